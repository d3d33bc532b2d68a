/**
 * An exact decimal number: `value / 10^scale`, where `value` is the unscaled integer, held in a
 * `DECIMAL(precision, scale)` slot (at most `precision` digits, `scale` of them after the point).
 * Never a JavaScript `number`.
 *
 * @example
 * // 123.45 as DECIMAL(10,2)
 * const price: Decimal = { value: 12345n, precision: 10, scale: 2 };
 */
export interface Decimal {
  /** The unscaled integer: 123.45 at scale 2 is `12345n`. */
  readonly value: bigint;
  /** Total number of digits, 1..38. */
  readonly precision: number;
  /** Digits after the decimal point, 0..precision. */
  readonly scale: number;
}

/**
 * The largest precision a 128-bit decimal (Arrow `Decimal128`, SQL Server `DECIMAL`,
 * DuckDB `DECIMAL(38,s)`, Parquet `FIXED_LEN_BYTE_ARRAY(16)`) can hold.
 *
 * @example
 * if (precision > DECIMAL128_MAX_PRECISION) throw new Error('does not fit Decimal128');
 */
export const DECIMAL128_MAX_PRECISION = 38;

/** `POW10[n] === 10n ** BigInt(n)` for n in 0..76 (76 = 38 + 38, the widest rescale product). */
export const POW10: readonly bigint[] = Array.from({ length: 77 }, (_, n) => 10n ** BigInt(n));

/** `10^n` as a bigint; `n` must be 0..76. */
export function pow10(n: number): bigint {
  const power = POW10[n];
  if (power === undefined) {
    throw new RangeError(`10^${n} is outside the supported range 10^0..10^76`);
  }
  return power;
}

/** Throws `RangeError` unless `precision` is an integer 1..38 and `scale` an integer 0..precision. */
export function assertPrecisionScale(precision: number, scale: number): void {
  if (!Number.isInteger(precision) || precision < 1 || precision > DECIMAL128_MAX_PRECISION) {
    throw new RangeError(`precision must be an integer 1..${DECIMAL128_MAX_PRECISION}, got ${precision}`);
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new RangeError(`scale must be an integer 0..precision (${precision}), got ${scale}`);
  }
}

/** Whether the unscaled `value` has at most `precision` digits. */
export function fitsPrecision(value: bigint, precision: number): boolean {
  const limit = pow10(precision);
  return value < limit && value > -limit;
}
