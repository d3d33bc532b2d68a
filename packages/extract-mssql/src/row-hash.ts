import type { SourceColumn } from '@sync/core';
import { quoteIdentifier } from './tsql.js';

/**
 * The per-row hashes sqlsync asks SQL Server for (the config's `hash_algorithm` values that hash
 * rows): HASHBYTES SHA2_256 (32 bytes) or MD5 (16 bytes).
 */
export type RowHashAlgorithm = 'hashbytes_sha256' | 'hashbytes_md5';

const HASHBYTES: Readonly<Record<RowHashAlgorithm, { name: string; bytes: number }>> = {
  hashbytes_sha256: { name: 'SHA2_256', bytes: 32 },
  hashbytes_md5: { name: 'MD5', bytes: 16 },
};

/**
 * Bytes of a row hash: 32 for SHA-256, 16 for MD5.
 *
 * @example
 * rowHashBytes('hashbytes_md5') // 16
 */
export function rowHashBytes(algorithm: RowHashAlgorithm): number {
  return HASHBYTES[algorithm].bytes;
}

/**
 * A non-NULL value's canonical text, and whether that text can only hold characters of a fixed
 * alphabet (digits, sign, `.`, `-`, `:`, space, `+`, `E`, hex digits) — never `;`, `~` or `#`.
 */
function canonicalText(column: SourceColumn): { text: string; fixedAlphabet: boolean } {
  const c = quoteIdentifier(column.name);
  const fixed = (text: string) => ({ text, fixedAlphabet: true });
  switch (column.sqlType) {
    case 'bit':
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return fixed(`CONVERT(nvarchar(20), ${c})`);
    case 'decimal':
    case 'numeric':
      // SQL Server prints a decimal at its declared scale: 1.5 and 1.50 in decimal(10,2) are one value, '1.50'.
      return fixed(`CONVERT(nvarchar(41), ${c})`);
    case 'money':
    case 'smallmoney':
      // money's default text has 2 decimals: as decimal(19,4) it keeps all 4.
      return fixed(`CONVERT(nvarchar(41), CAST(${c} AS decimal(19,4)))`);
    case 'float':
    case 'real':
      // Style 3: 17 (float) or 9 (real) significant digits, distinct text for every distinct value.
      return fixed(`CONVERT(nvarchar(30), ${c}, 3)`);
    case 'date':
      return fixed(`CONVERT(nvarchar(10), ${c}, 23)`);
    case 'datetime2':
    case 'datetime':
    case 'smalldatetime':
      // Style 121 prints every fractional digit of the column's scale: 100 ns for datetime2(7).
      return fixed(`CONVERT(nvarchar(27), ${c}, 121)`);
    case 'datetimeoffset':
      // The local clock time to 100 ns and the offset: the same instant at another offset is another value.
      return fixed(`CONVERT(nvarchar(34), ${c}, 121)`);
    case 'time':
      // Seconds of the day and the nanoseconds of the second (100 ns steps), as the extractor reads it.
      return fixed(
        `CONVERT(nvarchar(10), DATEDIFF(second, CAST('00:00:00' AS time), ${c})) + N'.' + CONVERT(nvarchar(10), DATEPART(nanosecond, ${c}))`,
      );
    case 'uniqueidentifier':
      return fixed(`CONVERT(nvarchar(36), ${c})`);
    case 'binary':
    case 'varbinary':
    case 'image':
      // Style 2: hex digits without 0x, two per byte, so 0x (empty) is '' and never NULL.
      return fixed(`CONVERT(nvarchar(max), CAST(${c} AS varbinary(max)), 2)`);
    case 'timestamp':
    case 'rowversion':
      return fixed(`CONVERT(nvarchar(20), CONVERT(bigint, ${c}))`);
    default:
      // Character types, xml and unsupported types read as_text: the characters themselves.
      return { text: `CONVERT(nvarchar(max), ${c})`, fixedAlphabet: false };
  }
}

/**
 * One column's piece of a row's serialisation, never NULL, and prefix-free, so pieces
 * concatenated in column order read back unambiguously:
 * - NULL is `~`;
 * - a value whose text has a fixed alphabet (numbers, dates, hex, GUIDs) is the text and `;`;
 * - any other value is `#`, its DATALENGTH as nvarchar (bytes, so trailing spaces count: LEN
 *   ignores them), `:` and the text — ('ab','c') is `#4:ab#2:c`, ('a','bc') is `#2:a#4:bc`, ''
 *   is `#0:`.
 */
function columnPiece(column: SourceColumn): string {
  const c = quoteIdentifier(column.name);
  const { text, fixedAlphabet } = canonicalText(column);
  const value = fixedAlphabet
    ? `${text} + N';'`
    : `N'#' + CONVERT(nvarchar(20), DATALENGTH(${text})) + N':' + ${text}`;
  return `CASE WHEN ${c} IS NULL THEN N'~' ELSE ${value} END`;
}

/**
 * The T-SQL of a row's serialisation: an nvarchar(max) that differs whenever any column's value
 * differs (NULL ≠ '' ≠ 0x; ('ab','c') ≠ ('a','bc'); case and trailing spaces kept; decimals at their
 * declared scale; floats to their last bit; date/time types to 100 ns; datetimeoffset with its
 * offset) and is equal for equal values. Columns in the order given, offset companions left out
 * (see `SourceColumn.offsetOf`); the result starts from an nvarchar(max) so concatenation never
 * truncates at 4,000 characters.
 *
 * @example
 * rowSerialisationExpression(plan.schema.columns)
 * // "CAST(CAST(N'' AS nvarchar(max)) + CASE WHEN [Id] IS NULL THEN N'~' ELSE CONVERT(nvarchar(20), [Id]) + N';' END + … AS nvarchar(max))"
 */
export function rowSerialisationExpression(columns: readonly SourceColumn[]): string {
  // A datetimeoffset's offset companion is not in the source table; the column's own piece
  // already carries the offset, so hashes are the same with or without companions.
  const sourceColumns = columns.filter((c) => c.offsetOf === undefined);
  if (sourceColumns.length === 0) {
    throw new RangeError('a row serialisation needs at least one column');
  }
  return `CAST(CAST(N'' AS nvarchar(max)) + ${sourceColumns.map(columnPiece).join(' + ')} AS nvarchar(max))`;
}

/**
 * The T-SQL of a row's hash, `binary(32)` for SHA-256 or `binary(16)` for MD5: HASHBYTES over
 * {@link rowSerialisationExpression} (SQL Server 2016+ hashes inputs of any length). The same
 * values give the same hash on every run; the column list and order are part of it.
 *
 * @example
 * `SELECT [Id], ${rowHashExpression(plan.schema.columns, 'hashbytes_sha256')} AS [row_hash] FROM [dbo].[T]`
 */
export function rowHashExpression(columns: readonly SourceColumn[], algorithm: RowHashAlgorithm): string {
  const { name, bytes } = HASHBYTES[algorithm];
  return `CAST(HASHBYTES('${name}', ${rowSerialisationExpression(columns)}) AS binary(${bytes}))`;
}

/**
 * Aggregate T-SQL folding the row hashes of a group of rows into one order-independent value:
 * the exact SUM of each hash's last 8 bytes as a signed bigint (SQL Server converts the
 * rightmost bytes of a longer binary), summed as decimal(38,0) so it cannot overflow, returned
 * as text. With COUNT_BIG(*) beside it, a changed row moves the value with probability 1 − 2⁻⁶⁴.
 *
 * @example
 * `SELECT COUNT_BIG(*) AS [row_count], ${rowHashFoldExpression(columns, 'hashbytes_sha256')} AS [hash_sum] FROM [dbo].[T]`
 */
export function rowHashFoldExpression(columns: readonly SourceColumn[], algorithm: RowHashAlgorithm): string {
  return `CONVERT(varchar(41), SUM(CAST(CAST(${rowHashExpression(columns, algorithm)} AS bigint) AS decimal(38,0))))`;
}
