import { isPaddedText } from '../padded-comparison.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

/** ISNULL. */
function isnull(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`coalesce(${call.arg(0)}, ${call.arg(1)})`);
}

/**
 * NULLIF of two character strings compares them as the default collation does (trailing spaces
 * ignored, see padded-comparison.ts): `NULLIF(N'a ', N'a')` is NULL. Others pass through.
 */
function nullif(call: FunctionCall): TranslatedCall | undefined {
  const [a, b] = call.args;
  if (call.args.length !== 2 || a === undefined || b === undefined) {
    return undefined;
  }
  const ctx = call.ctx;
  if (!isPaddedText(ctx.typeOf(a[0], a[1])) || !isPaddedText(ctx.typeOf(b[0], b[1]))) {
    return undefined;
  }
  const first = call.arg(0);
  return call.done(`(CASE WHEN rtrim(${first}) = rtrim(${call.arg(1)}) THEN NULL ELSE ${first} END)`);
}

/** IIF. */
function iif(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`(CASE WHEN ${call.arg(0)} THEN ${call.arg(1)} ELSE ${call.arg(2)} END)`);
}

/** SQUARE. */
function square(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`power(${call.arg(0)}, 2)`);
}

/** ATN2. */
function atn2(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`atan2(${call.arg(0)}, ${call.arg(1)})`);
}

/** RAND. */
function rand(call: FunctionCall): TranslatedCall | undefined {
  return call.done('random()');
}

/** ROUND. */
function round(call: FunctionCall): TranslatedCall | undefined {
  const args = call.args;
  if (args.length >= 3) {
    return call.done(
      `(CASE WHEN (${call.arg(2)}) = 0 THEN round(${call.arg(0)}, ${call.arg(1)}) ELSE trunc(${call.arg(0)}, ${call.arg(1)}) END)`,
    );
  }
  return undefined;
}

/** NEWID, NEWSEQUENTIALID. */
function newid(call: FunctionCall): TranslatedCall | undefined {
  return call.done('uuid()');
}

/** GENERATE_SERIES. */
function generateSeries(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const args = call.args;
  // SQL Server 2022's table function: one column named value, of the arguments' type.
  const r = args[0];
  const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
  const type =
    src?.name === 'bigint' ? 'BIGINT' : src?.name === 'int' || src === undefined ? 'INTEGER' : undefined;
  const step = args.length >= 3 ? `, ${call.arg(2)}` : '';
  const value = type === undefined ? 'generate_series' : `CAST(generate_series AS ${type})`;
  return call.done(`(SELECT ${value} AS value FROM generate_series(${call.arg(0)}, ${call.arg(1)}${step}))`);
}

/**
 * Scalar functions DuckDB spells differently (ISNULL, IIF, ATN2, ROUND with truncation, NEWID), NULLIF of strings
 * (collation), and SQL Server 2022's GENERATE_SERIES.
 *
 * @example
 * scalarFunctions.ISNULL?.(call)
 */
export const scalarFunctions: Readonly<Record<string, FunctionTranslator>> = {
  ISNULL: isnull,
  NULLIF: nullif,
  IIF: iif,
  SQUARE: square,
  ATN2: atn2,
  RAND: rand,
  ROUND: round,
  NEWID: newid,
  NEWSEQUENTIALID: newid,
  GENERATE_SERIES: generateSeries,
};
