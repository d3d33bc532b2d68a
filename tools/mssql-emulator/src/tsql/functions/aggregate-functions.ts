import { isOp, isWord, matchParen } from '../lexer.js';
import { isPaddedText } from '../padded-comparison.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

/** COUNT, COUNT_BIG. */
function count(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const t = call.ctx.tokens;
  const u = call.name;
  const open = call.open;
  const close = call.close;
  let next = close + 1;
  let over = '';
  if (isWord(t[next], 'OVER') && isOp(t[next + 1], '(')) {
    const oc = matchParen(t, next + 1);
    over = ` OVER (${ctx.range(next + 2, oc)})`;
    next = oc + 1;
  }
  // COUNT(DISTINCT s) counts strings as the default collation compares them: DuckDB's DISTINCT
  // aggregate ignores the `nocase` collation, and trailing spaces do not count (padded-comparison.ts).
  const distinctText = isWord(t[open + 1], 'DISTINCT') && isPaddedText(ctx.typeOf(open + 2, close));
  const argument = distinctText
    ? `DISTINCT lower(rtrim(${ctx.range(open + 2, close)}))`
    : ctx.range(open + 1, close);
  const inner = `count(${argument})${over}`;
  // COUNT returns int in SQL Server; COUNT_BIG returns bigint like DuckDB's count.
  return { sql: u === 'COUNT' ? `CAST(${inner} AS INTEGER)` : inner, next };
}

/** SUM, AVG. */
function sum(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const t = call.ctx.tokens;
  const u = call.name;
  const args = call.args;
  const open = call.open;
  const close = call.close;
  // SQL Server keeps integer types (sum of int is int, average of int truncates);
  // DuckDB widens to HUGEINT / DOUBLE. Decimal sums are decimal(38, s) in both.
  const r = args.length === 1 ? args[0] : undefined;
  const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
  const intType =
    src?.name === 'bigint'
      ? 'BIGINT'
      : src !== undefined && ['int', 'smallint', 'tinyint'].includes(src.name)
        ? 'INTEGER'
        : undefined;
  if (intType === undefined || isWord(t[close + 1], 'OVER')) {
    return undefined;
  }
  const inner = ctx.range(open + 1, close);
  return call.done(
    u === 'SUM' ? `CAST(sum(${inner}) AS ${intType})` : `CAST(trunc(avg(${inner})) AS ${intType})`,
  );
}

/**
 * Aggregates whose result types differ from DuckDB's: COUNT is int, SUM/AVG of integers stay integers.
 *
 * @example
 * aggregateFunctions.COUNT?.(call)
 */
export const aggregateFunctions: Readonly<Record<string, FunctionTranslator>> = {
  COUNT: count,
  COUNT_BIG: count,
  SUM: sum,
  AVG: sum,
};
