/** What {@link watchIdleRead} watches and whom it tells. */
export interface IdleReadWatch {
  /** Milliseconds without progress after which the read counts as stalled. */
  readonly timeoutMs: number;
  /**
   * A number that grows while the read makes progress (bytes received plus rows decoded); only
   * whether it changed matters.
   */
  progress(): number;
  /** True while the reader itself paused the stream (backpressure): no progress is expected then. */
  paused(): boolean;
  /** Called once, when `timeoutMs` passed without progress while not paused. */
  onIdle(): void;
}

/** A running watch; `stop()` ends it (idempotent). */
export interface IdleReadWatchdog {
  stop(): void;
}

/**
 * Watches a streaming read for silence. tedious's `requestTimeout` only covers the wait for the
 * first response packet: once rows flow, a server that stops sending (frozen, a blocked scan, a
 * half-open TCP connection after a failover) leaves the read waiting forever. This polls
 * `progress()` a few times per `timeoutMs` and calls `onIdle` once it has not changed for
 * `timeoutMs` while the reader was not holding the stream paused. The timer is unref'd: the read
 * it watches keeps the process alive, not the watch.
 *
 * @example
 * const watch = watchIdleRead({
 *   timeoutMs: 300_000,
 *   progress: () => (connection.socket?.bytesRead ?? 0) + stats.rows,
 *   paused: () => paused,
 *   onIdle: () => connection.close(),
 * });
 * // … once the request has ended:
 * watch.stop();
 */
export function watchIdleRead(watch: IdleReadWatch): IdleReadWatchdog {
  let last = watch.progress();
  let quietSince = performance.now();
  // A quarter of the timeout between looks, at most a second: the stall is noticed within
  // timeoutMs + 1 s, and a long timeout costs one look per second.
  const every = Math.max(10, Math.min(1000, Math.floor(watch.timeoutMs / 4)));
  const timer = setInterval(() => {
    const now = performance.now();
    const progress = watch.progress();
    if (progress !== last || watch.paused()) {
      last = progress;
      quietSince = now;
      return;
    }
    if (now - quietSince >= watch.timeoutMs) {
      clearInterval(timer);
      watch.onIdle();
    }
  }, every);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
