import { SqlSyncError } from './errors.js';

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Total tries, the first included (so `processing.retry_attempts + 1`). At least 1. */
  readonly attempts: number;
  /** Delay before the first retry, in ms; doubled for each further retry. Defaults to 200. */
  readonly baseDelayMs?: number;
  /** Upper bound of one delay, in ms. Defaults to 10 000. */
  readonly maxDelayMs?: number;
  /** Aborts waiting and further tries; `withRetry` then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Whether an error is worth another try. Defaults to `SqlSyncError` with `retryable: true`. */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log the retry. `attempt` is the try that just failed (1-based). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, an error is not retryable, or `attempts` tries are used up; then
 * rethrows the last error unchanged. Waits grow exponentially with "equal jitter" (half fixed, half
 * random) so that workers failing together (a deadlock, a failover) do not retry in lockstep.
 *
 * @example
 * const rows = await withRetry((attempt) => queryCount(table, attempt), {
 *   attempts: config.processing.retryAttempts + 1,
 *   signal,
 *   onRetry: (error, attempt, delayMs) => logger.warn({ err: error, attempt, delayMs }, 'retrying'),
 * });
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, signal } = options;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new SqlSyncError('USAGE', `withRetry: attempts must be an integer >= 1, got ${attempts}`);
  }
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || signal?.aborted === true) {
        throw error;
      }
      const delayMs = backoffDelay(attempt, options.baseDelayMs ?? 200, options.maxDelayMs ?? 10_000);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

function defaultIsRetryable(error: unknown): boolean {
  return error instanceof SqlSyncError && error.retryable;
}

/**
 * The wait after try `attempt` (1-based): `min(max, base * 2^(attempt-1))`, of which a random half
 * is dropped. Exported for tests and for callers planning their own schedules.
 *
 * @example
 * backoffDelay(3, 200, 10_000, () => 1); // 800
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
