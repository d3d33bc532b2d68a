/** Options of a {@link SqlServerError} beyond its number and message. */
export interface SqlServerErrorOptions {
  /** SQL Server's severity ("class"). Defaults to 16. */
  readonly severity?: number;
  /** SQL Server's state. Defaults to 1. */
  readonly state?: number;
  /** True when the rest of the batch is skipped after this error (compile errors). Defaults to true. */
  readonly abortsBatch?: boolean;
  readonly cause?: unknown;
}

/**
 * An error as SQL Server reports it: sent to the client as an ERROR token with this number,
 * severity and state.
 *
 * @example
 * throw new SqlServerError(208, "Invalid object name 'dbo.Missing'.");
 */
export class SqlServerError extends Error {
  readonly number: number;
  readonly severity: number;
  readonly state: number;
  readonly abortsBatch: boolean;

  constructor(number: number, message: string, options: SqlServerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SqlServerError';
    this.number = number;
    this.severity = options.severity ?? 16;
    this.state = options.state ?? 1;
    this.abortsBatch = options.abortsBatch ?? true;
  }
}

/** Error 102: the message SQL Server gives for a parse failure near `near`. */
export function syntaxError(near: string): SqlServerError {
  return new SqlServerError(102, `Incorrect syntax near '${near}'.`, { severity: 15 });
}
