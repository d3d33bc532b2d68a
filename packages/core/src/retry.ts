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

/**
 * SQL Server error numbers after which the same statement may well succeed: deadlocks,
 * throttling, failovers and dropped connections. Mostly Microsoft's list of Azure SQL transient
 * faults (also used by EF Core and SqlClient's retry logic), plus on-premises deadlock and
 * network errors.
 *
 * 4060 ("cannot open database requested by the login") is included because Azure SQL returns it
 * while a database moves during reconfiguration. On-premises it usually means a wrong database name
 * or missing permission, which retrying will not fix; the cost is only a few short retries before
 * the same error is reported.
 */
export const TRANSIENT_SQL_SERVER_ERRORS: ReadonlyMap<number, string> = new Map([
  [-2, 'timeout expired'],
  [20, 'instance does not support encryption / connection dropped during login'],
  [64, 'connection established but error during login'],
  [233, 'no process is on the other end of the pipe (connection dropped)'],
  [1205, 'deadlock victim'],
  [1222, 'lock request time out'],
  [4060, 'cannot open database (Azure: database moving during reconfiguration)'],
  [
    4221,
    'login to read-secondary failed due to long wait on HADR_DATABASE_WAIT_FOR_TRANSITION_TO_VERSIONING',
  ],
  [10053, 'transport-level error: connection aborted by the software in the host'],
  [10054, 'transport-level error: connection reset by peer'],
  [10060, 'network error: connection attempt timed out'],
  [10928, 'resource limit reached (Azure throttling)'],
  [10929, 'resource minimum guarantee not met (Azure throttling)'],
  [40197, 'service error processing the request (Azure failover)'],
  [40501, 'service is currently busy (Azure throttling)'],
  [40613, 'database not currently available (Azure failover)'],
  [49918, 'not enough resources to process the request (Azure)'],
  [49919, 'too many create/update operations in progress (Azure)'],
  [49920, 'too many operations in progress (Azure)'],
]);

/**
 * True when a SQL Server error number denotes a transient fault worth retrying (see
 * {@link TRANSIENT_SQL_SERVER_ERRORS} for the list and the reasoning on 4060).
 *
 * @example
 * isTransientSqlServerError(1205); // true: deadlock victim
 * isTransientSqlServerError(208); // false: invalid object name
 */
export function isTransientSqlServerError(errorNumber: number): boolean {
  return TRANSIENT_SQL_SERVER_ERRORS.has(errorNumber);
}
