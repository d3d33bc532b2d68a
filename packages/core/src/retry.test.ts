import { describe, expect, it, vi } from 'vitest';
import { SqlSyncError } from './errors.js';
import { backoffDelay, withRetry } from './retry.js';

const transient = (): SqlSyncError => new SqlSyncError('SOURCE_QUERY', 'deadlock', { retryable: true });

describe('withRetry', () => {
  it('retries retryable errors until success', async () => {
    const onRetry = vi.fn();
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) {
          throw transient();
        }
        return 'ok';
      },
      { attempts: 5, baseDelayMs: 1, onRetry },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(onRetry.mock.calls.map((c) => c[1])).toEqual([1, 2]);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const terminal = new SqlSyncError('SOURCE_SCHEMA', 'no such column');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw terminal;
        },
        { attempts: 5, baseDelayMs: 1 },
      ),
    ).rejects.toBe(terminal);
    await expect(
      withRetry(() => Promise.reject(new Error('plain')), { attempts: 3, baseDelayMs: 1 }),
    ).rejects.toThrow('plain');
    expect(calls).toBe(1);
  });

  it('stops after `attempts` tries and rethrows the last error', async () => {
    let calls = 0;
    const errors: SqlSyncError[] = [];
    const promise = withRetry(
      async () => {
        calls++;
        const error = transient();
        errors.push(error);
        throw error;
      },
      { attempts: 3, baseDelayMs: 1 },
    );
    await expect(promise).rejects.toBeInstanceOf(SqlSyncError);
    await promise.catch((e: unknown) => expect(e).toBe(errors[2]));
    expect(calls).toBe(3);
  });

  it('honours a custom isRetryable', async () => {
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) {
          throw new Error('flaky');
        }
      },
      { attempts: 2, baseDelayMs: 1, isRetryable: (e) => e instanceof Error && e.message === 'flaky' },
    );
    expect(calls).toBe(2);
  });

  it('aborts while waiting', async () => {
    const controller = new AbortController();
    const promise = withRetry(
      async () => {
        throw transient();
      },
      { attempts: 5, baseDelayMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await expect(promise).rejects.toThrow('cancelled');
  });

  it('does not start when already aborted', async () => {
    const fn = vi.fn(async () => 1);
    await expect(withRetry(fn, { attempts: 2, signal: AbortSignal.abort() })).rejects.toBeDefined();
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects a nonsensical attempts count', async () => {
    await expect(withRetry(async () => 1, { attempts: 0 })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('backoffDelay', () => {
  it('doubles, caps and keeps at least half of the step', () => {
    expect(backoffDelay(1, 200, 10_000, () => 1)).toBe(200);
    expect(backoffDelay(3, 200, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(3, 200, 10_000, () => 0)).toBe(400);
    expect(backoffDelay(20, 200, 10_000, () => 1)).toBe(10_000);
  });
});
