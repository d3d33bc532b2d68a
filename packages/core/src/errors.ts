/**
 * Stable error codes. A code never changes meaning once released; callers (the CLI, Airflow
 * glue, retry logic) branch on it rather than on message text.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'USAGE'
  | 'SOURCE_CONNECTION'
  | 'SOURCE_QUERY'
  | 'SOURCE_SCHEMA'
  | 'TYPE_UNSUPPORTED'
  | 'VALUE_OUT_OF_RANGE'
  /** A value that is not what its type says, e.g. decimal text that is not a number. */
  | 'VALUE_INVALID'
  | 'PRECISION_LOSS'
  | 'VALIDATION_FAILED'
  /** A configured data-quality check (`data_quality`) failed on the staged data; nothing was published. */
  | 'DATA_QUALITY'
  | 'LAKE_WRITE'
  | 'STATE_CORRUPT'
  | 'STATE_WRITE'
  /** A state file written by a newer sqlsync (its format version is unknown here). */
  | 'STATE_VERSION'
  /** Another run holds the table's lock (`state.lock_timeout_seconds` passed); the message names it. */
  | 'STATE_LOCKED'
  | 'PUBLISH'
  /** The SQL Server destination's table does not match what the lake holds (column, type, nullability, key, partition function); nothing was loaded. */
  | 'DESTINATION_SCHEMA'
  /** Loading the SQL Server destination failed; each table's load is one transaction per partition (or per table), rolled back. */
  | 'DESTINATION_LOAD'
  | 'WORKER_CRASHED'
  /** The run was stopped by a signal (SIGINT, SIGTERM) before it finished. */
  | 'INTERRUPTED'
  | 'INTERNAL';

/** Where an error happened, in the user's words. Every field is optional. */
export interface ErrorContext {
  /** `schema.table` of the source table. */
  readonly table?: string;
  /** The work unit's id, e.g. `sales.Orders#2024-01`. */
  readonly unit?: string;
  /** A source or lake column name. */
  readonly column?: string;
  /** A dotted config path such as `static_tables[0].hash_algorithm`. */
  readonly configPath?: string;
  /** A config file the error was found in. */
  readonly file?: string;
  /** A SQL Server error number, when the error came from the server. */
  readonly sqlErrorNumber?: number;
}

/** The plain, structured-clone-safe form of a {@link SqlSyncError}, used across worker threads. */
export interface SerializedError {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly context: ErrorContext;
  readonly stack?: string;
  readonly cause?: SerializedError | SerializedCause;
}

/** A cause that was not a {@link SqlSyncError}: its name, message and, when it had one, its string `code`. */
export interface SerializedCause {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/**
 * The one error base of sqlsync: a stable `code`, whether retrying may help, and context naming
 * the table, unit, column or config path involved.
 *
 * @example
 * throw new SqlSyncError('VALUE_OUT_OF_RANGE', 'value 1e40 does not fit DECIMAL(38,0)', {
 *   context: { table: 'sales.Orders', column: 'Amount' },
 * });
 */
export class SqlSyncError extends Error {
  readonly code: ErrorCode;
  /** True when the same operation may succeed if tried again (deadlock, connection loss). Defaults to false. */
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(
    code: ErrorCode,
    message: string,
    options: { context?: ErrorContext; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SqlSyncError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }

  /** A plain record that survives `postMessage`; rebuild with {@link SqlSyncError.fromJSON}. */
  toJSON(): SerializedError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      context: this.context,
      ...(this.stack === undefined ? {} : { stack: this.stack }),
      ...(this.cause === undefined ? {} : { cause: serializeCause(this.cause) }),
    };
  }

  /** Rebuilds an error serialised by {@link SqlSyncError.toJSON} (for example in another thread). */
  static fromJSON(record: SerializedError): SqlSyncError {
    const error = new SqlSyncError(record.code, record.message, {
      context: record.context,
      retryable: record.retryable,
      ...(record.cause === undefined ? {} : { cause: record.cause }),
    });
    if (record.stack !== undefined) {
      error.stack = record.stack;
    }
    return error;
  }
}

function serializeCause(cause: unknown): SerializedError | SerializedCause {
  if (cause instanceof SqlSyncError) {
    return cause.toJSON();
  }
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, message: cause.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (isSerializedCause(cause)) {
    // Already serialised: a cause rebuilt by fromJSON after crossing a thread.
    return cause;
  }
  return { name: 'Error', message: String(cause) };
}

function isSerializedCause(value: unknown): value is SerializedError | SerializedCause {
  const record = value as { name?: unknown; message?: unknown } | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.name === 'string' &&
    typeof record.message === 'string'
  );
}

/**
 * The code of each `DecimalError` code of `@sync/arrow-decimal`. Core does not import that package
 * (neither depends on the other), so its errors are recognised by shape: `name` `'DecimalError'`
 * and one of these string `code`s.
 */
const DECIMAL_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  DECIMAL_PRECISION_LOSS: 'PRECISION_LOSS',
  DECIMAL_OVERFLOW: 'VALUE_OUT_OF_RANGE',
  DECIMAL_PARSE: 'VALUE_INVALID',
};

/**
 * Turns anything thrown into a {@link SqlSyncError}, keeping the original as `cause`. A
 * `DecimalError` of `@sync/arrow-decimal` keeps its meaning: `DECIMAL_PRECISION_LOSS` becomes
 * `PRECISION_LOSS`, `DECIMAL_OVERFLOW` `VALUE_OUT_OF_RANGE`, `DECIMAL_PARSE` `VALUE_INVALID` (its own
 * code stays on the serialised `cause.code`). Anything else unknown gets `code`.
 *
 * @example
 * toSqlSyncError(new DecimalError('DECIMAL_PRECISION_LOSS', '…', '1.005', { precision: 5, scale: 2 })).code;
 * // 'PRECISION_LOSS'
 * toSqlSyncError(new Error('boom'), 'INTERNAL', { table: 'sales.Orders' }).code; // 'INTERNAL'
 */
export function toSqlSyncError(
  error: unknown,
  code: ErrorCode = 'INTERNAL',
  context: ErrorContext = {},
): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SqlSyncError(decimalErrorCode(error) ?? code, message, { context, cause: error });
}

function decimalErrorCode(error: unknown): ErrorCode | undefined {
  if (!(error instanceof Error) || error.name !== 'DecimalError') {
    return undefined;
  }
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? DECIMAL_ERROR_CODES[code] : undefined;
}
