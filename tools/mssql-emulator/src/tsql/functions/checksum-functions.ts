import { isHashAlgorithm } from '../../host-functions.js';
import { SqlServerError } from '../../sql-server-error.js';
import type { SqlType } from '../../types/sql-type.js';
import { translateChecksum } from '../checksum-sql.js';
import type { Token } from '../lexer.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';
import { digestSql } from './hashbytes-sql.js';

/**
 * The bytes SQL Server hashes for a HASHBYTES input: nvarchar as UTF-16LE, varchar in code page
 * 1252, binary as is. DuckDB keeps every string as UTF-8, so the input's SQL Server type decides;
 * where the emulator cannot tell it, the statement fails rather than hash the wrong bytes.
 */
function hashInput(x: string, src: SqlType | undefined): string {
  switch (src?.name) {
    case 'nvarchar':
    case 'nchar':
    case 'ntext':
    case 'xml':
      return `__emulator_utf16le(${x})`;
    case 'varchar':
    case 'char':
    case 'text':
      return `__emulator_cp1252(${x})`;
    case 'binary':
    case 'varbinary':
    case 'image':
      return `CAST(${x} AS BLOB)`;
    default:
      throw new SqlServerError(
        8116,
        `HASHBYTES input of type ${src?.name ?? 'unknown'} is not supported by the emulator: CAST it to nvarchar, varchar or varbinary.`,
      );
  }
}

/** BINARY_CHECKSUM, CHECKSUM. */
function binaryChecksum(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const u = call.name;
  const open = call.open;
  const close = call.close;
  return call.done(translateChecksum(ctx, u as 'CHECKSUM' | 'BINARY_CHECKSUM', open, close));
}

/** CHECKSUM_AGG. */
function checksumAgg(call: FunctionCall): TranslatedCall | undefined {
  // The XOR of the values, NULLs ignored: what SQL Server computes (CHECKSUM_AGG over 100, 100,
  // 100, 99, 99, 98, 98, 95, 95, 95 is 59, over 2, 3, 4, 5 is 0:
  // http://www.networksteve.com/forum/topic.php/Checksum_Agg_-_how_does_it_work/?TopicId=89670,
  // https://stackoverflow.com/questions/11994430). Duplicate values cancel, as they do there.
  return call.done(`CAST(bit_xor(${call.arg(0)}) AS INTEGER)`);
}

/** HASHBYTES. */
function hashbytes(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const t = call.ctx.tokens;
  const args = call.args;
  const r = args[0];
  const algo = r === undefined ? '' : ((t[r[0]] as Token).value ?? '').toUpperCase();
  if (!isHashAlgorithm(algo)) {
    throw new SqlServerError(8116, `HASHBYTES algorithm '${algo}' is not supported by the emulator.`);
  }
  const d = args[1];
  const src = d === undefined ? undefined : ctx.typeOf(d[0], d[1]);
  return call.done(digestSql(algo, hashInput(call.arg(1), src)));
}

/**
 * CHECKSUM, BINARY_CHECKSUM, CHECKSUM_AGG and HASHBYTES: SQL Server's values over the bytes SQL Server holds.
 *
 * @example
 * checksumFunctions.BINARY_CHECKSUM?.(call)
 */
export const checksumFunctions: Readonly<Record<string, FunctionTranslator>> = {
  BINARY_CHECKSUM: binaryChecksum,
  CHECKSUM: binaryChecksum,
  CHECKSUM_AGG: checksumAgg,
  HASHBYTES: hashbytes,
};
