import { SqlSyncError } from '@sync/core';

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

/**
 * Driver error codes that mean the connection was lost or never came. tedious reports a
 * connection dropped mid-request as `ECLOSE` ("Connection closed before request completed") on
 * the request and `ESOCKET` on the connection; `ENOTOPEN` is a request on a closed connection pool.
 */
const TRANSIENT_DRIVER_CODES = new Set([
  'ESOCKET',
  'ECLOSE',
  'ECONNCLOSED',
  'ETIMEOUT',
  'ECONNRESET',
  'ENOTOPEN',
]);

/**
 * Wraps a driver error as a classified {@link SqlSyncError}: `SOURCE_CONNECTION` for a failed
 * login or a lost connection, `SOURCE_QUERY` otherwise; retryable for the transient SQL Server
 * errors above and the driver codes of a lost connection. The message never contains the
 * connection's credentials. A `SqlSyncError` is returned as it is.
 *
 * @example
 * classifyDriverError(requestError, { table: 'sales.Orders' }) // SqlSyncError SOURCE_QUERY, context.sqlErrorNumber 1205, retryable
 */
export function classifyDriverError(
  error: unknown,
  context: { table?: string; unit?: string } = {},
): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  const record = error as {
    number?: number;
    code?: string;
    message?: string;
    originalError?: { code?: string };
  };
  const number = typeof record.number === 'number' ? record.number : undefined;
  const code = record.code ?? record.originalError?.code;
  const retryable =
    (number !== undefined && isTransientSqlServerError(number)) ||
    (code !== undefined && TRANSIENT_DRIVER_CODES.has(code));
  const where = context.table === undefined ? '' : `${context.table}: `;
  const detail = number === undefined ? (code ?? 'driver error') : `SQL Server error ${number}`;
  return new SqlSyncError(
    code === 'ELOGIN' || code === 'ESOCKET' || code === 'ECLOSE' ? 'SOURCE_CONNECTION' : 'SOURCE_QUERY',
    `${where}${detail}: ${record.message ?? String(error)}`,
    {
      retryable,
      cause: error,
      context: { ...context, ...(number === undefined ? {} : { sqlErrorNumber: number }) },
    },
  );
}
