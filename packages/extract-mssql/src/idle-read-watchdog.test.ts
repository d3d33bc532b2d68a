import { describe, expect, it } from 'vitest';
import { watchIdleRead } from './idle-read-watchdog.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchIdleRead', () => {
  it('calls onIdle once when progress stops for the timeout', async () => {
    let idle = 0;
    const started = performance.now();
    let idleAt = 0;
    const watch = watchIdleRead({
      timeoutMs: 200,
      progress: () => 7,
      paused: () => false,
      onIdle: () => {
        idle++;
        idleAt = performance.now() - started;
      },
    });
    await sleep(700);
    watch.stop();
    expect(idle).toBe(1);
    expect(idleAt).toBeGreaterThanOrEqual(200);
  });

  it('never fires while progress moves, nor while the reader holds the stream paused', async () => {
    let bytes = 0;
    let paused = false;
    let idle = 0;
    const watch = watchIdleRead({
      timeoutMs: 150,
      progress: () => bytes,
      paused: () => paused,
      onIdle: () => idle++,
    });
    const moving = setInterval(() => bytes++, 20);
    await sleep(400);
    clearInterval(moving);
    paused = true;
    await sleep(400);
    watch.stop();
    expect(idle).toBe(0);
  });

  it('stop() ends the watch before it fires', async () => {
    let idle = 0;
    const watch = watchIdleRead({
      timeoutMs: 100,
      progress: () => 0,
      paused: () => false,
      onIdle: () => idle++,
    });
    watch.stop();
    await sleep(300);
    expect(idle).toBe(0);
  });
});
