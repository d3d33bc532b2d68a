import { quoteString } from '../../sql-quoting.js';
import { SqlServerError } from '../../sql-server-error.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

/** LEN. */
function len(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`CAST(length(rtrim(CAST(${call.arg(0)} AS VARCHAR))) AS INTEGER)`);
}

/** DATALENGTH. */
function datalength(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const args = call.args;
  const r = args[0];
  const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
  const x = call.arg(0);
  if (src !== undefined && ['nvarchar', 'nchar', 'ntext', 'xml'].includes(src.name)) {
    return call.done(`CAST(length(${x}) * 2 AS INTEGER)`);
  }
  if (src !== undefined && ['varchar', 'char', 'text'].includes(src.name)) {
    return call.done(`CAST(length(${x}) AS INTEGER)`);
  }
  return call.done(`CAST(octet_length(CAST(${x} AS BLOB)) AS INTEGER)`);
}

/** CHARINDEX. */
function charindex(call: FunctionCall): TranslatedCall | undefined {
  const args = call.args;
  if (args.length >= 3) {
    return call.done(
      `(CASE WHEN instr(substring(${call.arg(1)}, ${call.arg(2)}), ${call.arg(0)}) = 0 THEN 0 ELSE instr(substring(${call.arg(1)}, ${call.arg(2)}), ${call.arg(0)}) + (${call.arg(2)}) - 1 END)`,
    );
  }
  return call.done(`CAST(instr(${call.arg(1)}, ${call.arg(0)}) AS INTEGER)`);
}

/** REPLICATE. */
function replicate(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`repeat(${call.arg(0)}, ${call.arg(1)})`);
}

/** SPACE. */
function space(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`repeat(' ', ${call.arg(0)})`);
}

/** STUFF. */
function stuff(call: FunctionCall): TranslatedCall | undefined {
  return call.done(
    `(left(${call.arg(0)}, (${call.arg(1)}) - 1) || ${call.arg(3)} || substring(${call.arg(0)}, (${call.arg(1)}) + (${call.arg(2)})))`,
  );
}

/** QUOTENAME. */
function quotename(call: FunctionCall): TranslatedCall | undefined {
  const t = call.ctx.tokens;
  const args = call.args;
  // The closing character is doubled; inputs over 128 characters and unknown quote
  // characters give NULL, as in SQL Server.
  const qr = args[1];
  const qt = qr === undefined ? undefined : t[qr[0]];
  const quote = qr === undefined ? '[' : qt?.kind === 'string' && qr[1] === qr[0] + 1 ? qt.value : undefined;
  if (quote === undefined) {
    throw new SqlServerError(
      8116,
      'QUOTENAME with a computed quote character is not supported by the emulator.',
    );
  }
  const pairs: Record<string, [string, string]> = {
    '[': ['[', ']'],
    ']': ['[', ']'],
    '"': ['"', '"'],
    "'": ["'", "'"],
    '(': ['(', ')'],
    ')': ['(', ')'],
    '<': ['<', '>'],
    '>': ['<', '>'],
    '{': ['{', '}'],
    '}': ['{', '}'],
    '`': ['`', '`'],
  };
  const pair = pairs[quote];
  if (pair === undefined) {
    return call.done('CAST(NULL AS VARCHAR)');
  }
  const [o, c] = pair.map(quoteString) as [string, string];
  const x = call.arg(0);
  return call.done(
    `(CASE WHEN length(${x}) > 128 THEN NULL ELSE ${o} || replace(${x}, ${c}, ${c} || ${c}) || ${c} END)`,
  );
}

/** CHAR, NCHAR. */
function char(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`chr(${call.arg(0)})`);
}

/** ISNUMERIC. */
function isnumeric(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`(CASE WHEN TRY_CAST(${call.arg(0)} AS DOUBLE) IS NULL THEN 0 ELSE 1 END)`);
}

/**
 * String functions with SQL Server's semantics (LEN ignores trailing spaces, DATALENGTH counts UTF-16 bytes of nvarchar, QUOTENAME's quote pairs).
 *
 * @example
 * stringFunctions.LEN?.(call)
 */
export const stringFunctions: Readonly<Record<string, FunctionTranslator>> = {
  LEN: len,
  DATALENGTH: datalength,
  CHARINDEX: charindex,
  REPLICATE: replicate,
  SPACE: space,
  STUFF: stuff,
  QUOTENAME: quotename,
  CHAR: char,
  NCHAR: char,
  ISNUMERIC: isnumeric,
};
