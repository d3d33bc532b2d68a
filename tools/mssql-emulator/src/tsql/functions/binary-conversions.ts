import type { SqlType } from '../../types/sql-type.js';

/** Bytes of each integer type, signed or not (tinyint is SQL Server's one unsigned integer). */
const INTEGER_BYTES: Readonly<Record<string, { bytes: number; signed: boolean; duck: string }>> = {
  tinyint: { bytes: 1, signed: false, duck: 'UTINYINT' },
  smallint: { bytes: 2, signed: true, duck: 'SMALLINT' },
  int: { bytes: 4, signed: true, duck: 'INTEGER' },
  bigint: { bytes: 8, signed: true, duck: 'BIGINT' },
};

/**
 * True for the SQL Server types held as bytes (DuckDB BLOB).
 *
 * @example
 * isBinaryType(sqlType('varbinary', 32)) // true
 */
export function isBinaryType(type: SqlType | undefined): boolean {
  return type?.name === 'binary' || type?.name === 'varbinary' || type?.name === 'image';
}

/**
 * DuckDB SQL converting a binary value `x` to integer type `target` as SQL Server does: the
 * bytes are big-endian two's complement; a longer value keeps its rightmost bytes (those on the
 * left are dropped), a shorter one is padded with zero bytes on the left, so 0x (empty) is 0.
 * `CAST(0x0102030405 AS int)` is 0x02030405 = 33752069; `CAST(0xFF AS smallint)` is 255;
 * `CAST(0xFFFFFFFFFFFFFFFF AS bigint)` is -1. Throws a RangeError for a target that is not an integer type.
 *
 * @example
 * binaryToIntegerSql('"h"', sqlType('bigint'), 'CAST')
 * // CAST(CAST(('0x' || lpad(right(hex("h"), 16), 16, '0')) AS UBIGINT) … AS BIGINT)
 */
export function binaryToIntegerSql(x: string, target: SqlType, cast: string): string {
  const spec = INTEGER_BYTES[target.name];
  if (spec === undefined) {
    throw new RangeError(`binaryToIntegerSql: ${target.name} is not an integer type`);
  }
  const digits = spec.bytes * 2;
  const unsigned = `CAST(('0x' || lpad(right(hex(${x}), ${digits}), ${digits}, '0')) AS UBIGINT)`;
  if (!spec.signed) {
    return `${cast}(${unsigned} AS ${spec.duck})`;
  }
  const half = 2n ** BigInt(spec.bytes * 8 - 1);
  return `${cast}(CAST(${unsigned} AS HUGEINT) - (CASE WHEN ${unsigned} >= ${half} THEN ${half * 2n} ELSE 0 END) AS ${spec.duck})`;
}
