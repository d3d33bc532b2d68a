import type { ChecksumArgument, FunctionContext } from './function-context.js';
import { isOp, isWord } from './lexer.js';

// CHECKSUM(…) and BINARY_CHECKSUM(…) as SQL Server combines its arguments, where that is public:
// each argument gives a 32-bit part, and the parts are folded the way the bytes of one value are
// (sum = rotate-left(sum, 4) XOR part). Published results pin this down for int arguments and
// NULLs: BINARY_CHECKSUM(1, 100) = 116, (3, 4) = 52, (1, 2) = 18, (int NULL, 100) = -109,
// (int NULL, int NULL) = -2147483640 (a Stack Overflow question mirrored at
// https://www.developerfaqs.com/5482/binary_checksum-different-result-depending-on-number-of-rows);
// an int is its own part and an int NULL is 2147483647 (http://piers7.blogspot.com/2013/05).
//
// What equals SQL Server (see checksum.ts for the single-value algorithms):
// - one binary/varbinary argument, and one char/varchar argument (BINARY_CHECKSUM: its code page
//   1252 bytes; CHECKSUM: SQL_Latin1_General_CP1_CI_AS codes); int arguments; int NULLs; and any
//   list of those, folded as above.
// What does not (SQL Server's per-type encodings are not public): nchar/nvarchar, bigint,
// decimal/numeric, money, float/real, date/time types, uniqueidentifier, rowversion, sql_variant
// and expressions of unknown type. Each run of such arguments gives one part: DuckDB's hash of the
// values (with their hidden side columns) folded to 32 bits — nvarchar lower-cased for CHECKSUM,
// so it stays case-insensitive, and strings without trailing spaces, as `=` ignores them.
// Deterministic, equal for equal values, and it changes whenever a value does (up to hash
// collisions).

/** SQL Server's part for a typed NULL (published for int). */
const nullPart = '2147483647';
/** Types BINARY_CHECKSUM(*) skips and CHECKSUM rejects as noncomparable. */
const noncomparable = new Set(['text', 'ntext', 'image', 'xml']);

/**
 * One argument's contribution: a 32-bit part as SQL (a BIGINT in [0, 2^32)) where SQL Server's is
 * known, or the values to hash where it is not.
 */
type Part = { readonly word: string } | { readonly hash: readonly string[] };

/** The contribution of one argument, or undefined when it is skipped. */
function part(kind: 'CHECKSUM' | 'BINARY_CHECKSUM', a: ChecksumArgument): Part | undefined {
  if (a.untypedNull === true) {
    return { word: '0' };
  }
  const x = a.sql;
  const word = (sql: string): Part => ({
    word: `coalesce(CAST(${sql} AS BIGINT) & 4294967295, ${nullPart})`,
  });
  const hashed = (value: string): Part => ({ hash: [value, ...(a.hidden ?? [])] });
  // `=` ignores trailing spaces, so the checksum must; rtrim only what ends in one (it is slow).
  const trimmed = `(CASE WHEN ends_with(${x}, ' ') THEN rtrim(${x}, ' ') ELSE ${x} END)`;
  switch (a.type?.name) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bit':
      return word(x);
    case 'binary':
    case 'varbinary':
      return word(`__emulator_binary_checksum(CAST(${x} AS BLOB))`);
    case 'char':
    case 'varchar':
      return word(
        kind === 'CHECKSUM'
          ? `__emulator_varchar_checksum(${x})`
          : `__emulator_binary_checksum(__emulator_cp1252(${trimmed}))`,
      );
    case 'nchar':
    case 'nvarchar':
      return hashed(kind === 'CHECKSUM' ? `lower(${trimmed})` : trimmed);
    default:
      return a.type !== undefined && noncomparable.has(a.type.name) ? undefined : hashed(x);
  }
}

/** `p` rotated left by `bits` as 32-bit values. */
function rotateLeft(p: string, bits: number): string {
  return bits === 0 ? p : `(((${p} << ${bits}) | (${p} >> ${32 - bits})) & 4294967295)`;
}

/**
 * DuckDB SQL of CHECKSUM / BINARY_CHECKSUM over a list of arguments: the parts folded as
 * sum = rotate-left(sum, 4) XOR part, written as the XOR of each part rotated by four bits per
 * part after it (the same value, without nesting the fold), as a signed int.
 *
 * @example
 * checksumSql('BINARY_CHECKSUM', [{ sql: '1', type: sqlType('int') }, { sql: '100', type: sqlType('int') }])
 * // evaluates to 116, as on SQL Server
 */
export function checksumSql(kind: 'CHECKSUM' | 'BINARY_CHECKSUM', args: readonly ChecksumArgument[]): string {
  // Consecutive hashed arguments share one hash (one DuckDB hash call per run, not per column:
  // BINARY_CHECKSUM(*) over a wide table is the extractor's change fingerprint).
  const parts: string[] = [];
  let run: string[] = [];
  const endRun = (): void => {
    if (run.length > 0) {
      parts.push(`CAST(hash(${run.join(', ')}) % 4294967296 AS BIGINT)`);
      run = [];
    }
  };
  for (const a of args) {
    const p = part(kind, a);
    if (p !== undefined && 'hash' in p) {
      run.push(...p.hash);
    } else if (p !== undefined) {
      endRun();
      parts.push(p.word);
    }
  }
  endRun();
  if (parts.length === 0) {
    return 'CAST(0 AS INTEGER)';
  }
  const rotated = parts.map((p, k) => rotateLeft(p, (4 * (parts.length - 1 - k)) % 32));
  const folded = rotated.reduce((acc, p) => `xor(${acc}, ${p})`);
  return `CAST((${folded} + 2147483648) % 4294967296 - 2147483648 AS INTEGER)`;
}

/**
 * Translates CHECKSUM(…) / BINARY_CHECKSUM(…) whose parentheses are at `open` and `close`. `*`
 * stands for the columns of the one table the statement reads (hidden side columns included);
 * where that table is not evident (joins, subqueries, temp tables) it is DuckDB's hash of the
 * whole row, which is not SQL Server's value in any case.
 */
export function translateChecksum(
  ctx: FunctionContext,
  kind: 'CHECKSUM' | 'BINARY_CHECKSUM',
  open: number,
  close: number,
): string {
  const t = ctx.tokens;
  if (close === open + 2 && isOp(t[open + 1], '*')) {
    const columns = ctx.starColumns();
    return columns === undefined
      ? 'CAST(CAST(hash(*COLUMNS(*)) % 4294967296 AS BIGINT) - 2147483648 AS INTEGER)'
      : checksumSql(kind, columns);
  }
  const args = ctx.args(open, close).map(([a, b]): ChecksumArgument => {
    const hidden = [ctx.hiddenDigit(a, b), ctx.offsetOf(a, b)].filter((h): h is string => h !== undefined);
    return {
      sql: ctx.range(a, b),
      type: ctx.typeOf(a, b),
      hidden,
      untypedNull: b - a === 1 && isWord(t[a], 'NULL'),
    };
  });
  return checksumSql(kind, args);
}
