/**
 * Why a decimal operation refused to give an answer.
 *
 * - `DECIMAL_OVERFLOW`: the value needs more digits than the target precision allows.
 * - `DECIMAL_PRECISION_LOSS`: the value has fractional digits the target scale would drop.
 * - `DECIMAL_PARSE`: the input is not a decimal number at all.
 *
 * @example
 * const retryAsText = (code: DecimalErrorCode) => code === 'DECIMAL_PRECISION_LOSS';
 */
export type DecimalErrorCode = 'DECIMAL_OVERFLOW' | 'DECIMAL_PRECISION_LOSS' | 'DECIMAL_PARSE';

/**
 * The one error this package throws for bad values (bad *arguments*, such as a precision of 40,
 * are programming errors and throw `RangeError`). `value` is the offending value as text and,
 * where there is one, `precision`/`scale` name the target `DECIMAL(p,s)`.
 *
 * `name` is always `'DecimalError'` and `code` one of {@link DecimalErrorCode}: sqlsync's
 * `toSqlSyncError` (in `@sync/core`, which does not import this package) recognises the error by
 * that shape and reports `DECIMAL_PRECISION_LOSS` as `PRECISION_LOSS`, `DECIMAL_OVERFLOW` as
 * `VALUE_OUT_OF_RANGE` and `DECIMAL_PARSE` as `VALUE_INVALID`, keeping the message.
 *
 * @example
 * try {
 *   parseDecimal('123.456', 5, 2);
 * } catch (error) {
 *   if (error instanceof DecimalError && error.code === 'DECIMAL_PRECISION_LOSS') {
 *     console.log(error.value); // '123.456'
 *   }
 * }
 */
export class DecimalError extends Error {
  /** The stable classification callers branch on. */
  readonly code: DecimalErrorCode;
  /** The offending value as text, exactly as given (or as formatted, for a computed value). */
  readonly value: string;
  /** Precision of the target `DECIMAL(p,s)`, when there is a target. */
  readonly precision: number | undefined;
  /** Scale of the target `DECIMAL(p,s)`, when there is a target. */
  readonly scale: number | undefined;

  constructor(
    code: DecimalErrorCode,
    message: string,
    value: string,
    target?: { readonly precision: number; readonly scale: number },
  ) {
    super(message);
    this.name = 'DecimalError';
    this.code = code;
    this.value = value;
    this.precision = target?.precision;
    this.scale = target?.scale;
  }
}

/** Quotes a value for an error message, cutting very long input so messages stay readable. */
export function quoteForMessage(text: string): string {
  return text.length > 80 ? `'${text.slice(0, 77)}...'` : `'${text}'`;
}

/** `DECIMAL(p,s)` as SQL Server spells it. */
export function sqlType(precision: number, scale: number): string {
  return `DECIMAL(${precision},${scale})`;
}
