import { appendFileSync, readFileSync } from 'node:fs';

/**
 * Samples the process's resident set size every `intervalMs` while a measurement runs. RSS is
 * per process: piscina worker threads are included, and since freed memory is rarely returned,
 * one measurement per child process gives a clean peak.
 */
export class RssSampler {
  readonly #timer: NodeJS.Timeout;
  #peak: number;

  readonly #trace: string | undefined;
  readonly #started = Date.now();

  private constructor(intervalMs: number, trace: string | undefined) {
    this.#peak = process.memoryUsage.rss();
    this.#trace = trace;
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  /**
   * Starts sampling. Defaults to every 50 ms.
   *
   * @example
   * const sampler = RssSampler.start();
   * try { await work(); } finally { console.log(sampler.stop()); }
   */
  static start(intervalMs = 50, trace?: string): RssSampler {
    return new RssSampler(intervalMs, trace);
  }

  /**
   * Stops sampling; returns the peak in bytes, never below the kernel's high-water mark of this
   * process's memory (`VmHWM`, Linux), which also catches peaks between two samples.
   */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return Math.max(this.#peak, highWaterMark());
  }

  #sample(): void {
    // With a trace, one full reading serves both (the pipeline thread's isolate only; worker threads
    // are in `rss`: use --trace-gc for their heaps).
    const usage = this.#trace === undefined ? undefined : process.memoryUsage();
    const rss = usage?.rss ?? process.memoryUsage.rss();
    if (rss > this.#peak) {
      this.#peak = rss;
    }
    if (usage !== undefined && this.#trace !== undefined) {
      const mb = (n: number) => (n / 1e6).toFixed(1);
      appendFileSync(
        this.#trace,
        `${Date.now() - this.#started}\t${mb(rss)}\t${mb(usage.heapTotal)}\t${mb(usage.heapUsed)}\t${mb(usage.external)}\t${mb(usage.arrayBuffers)}\n`,
      );
    }
  }
}

/**
 * `VmHWM` from /proc/self/status in bytes, or 0 where there is none. Not `process.resourceUsage()
 * .maxRSS`: Linux carries the parent's high-water mark across fork and exec into it, so a child of
 * the emulator would report the emulator's gigabytes.
 */
function highWaterMark(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}
