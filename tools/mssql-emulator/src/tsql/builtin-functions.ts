import { syntaxError } from '../sql-server-error.js';
import type { FunctionContext } from './function-context.js';
import { aggregateFunctions } from './functions/aggregate-functions.js';
import { checksumFunctions } from './functions/checksum-functions.js';
import { conversionFunctions } from './functions/conversion-functions.js';
import { dateFunctions } from './functions/date-functions.js';
import { FunctionCall, type FunctionTranslator, type TranslatedCall } from './functions/function-call.js';
import { metadataFunctions } from './functions/metadata-functions.js';
import { permissionFunctions } from './functions/permission-functions.js';
import { scalarFunctions } from './functions/scalar-functions.js';
import { stringFunctions } from './functions/string-functions.js';
import { matchParen } from './lexer.js';

/** The built-in functions translated rather than passed through, by upper-case name. */
const builtins: ReadonlyMap<string, FunctionTranslator> = new Map(
  Object.entries({
    ...conversionFunctions,
    ...aggregateFunctions,
    ...checksumFunctions,
    ...stringFunctions,
    ...dateFunctions,
    ...metadataFunctions,
    ...permissionFunctions,
    ...scalarFunctions,
  }),
);

/**
 * Translates a call of built-in function `u` whose `(` is at `open`: the SQL and where the call
 * ends, or undefined when DuckDB has the same function and the call passes through as written.
 *
 * @example
 * translateFunction(ctx, 'ISNULL', 1) // { sql: 'coalesce("a", 0)', next: 6 } for ISNULL([a], 0)
 */
export function translateFunction(ctx: FunctionContext, u: string, open: number): TranslatedCall | undefined {
  const translator = builtins.get(u);
  if (translator === undefined) {
    if (matchParen(ctx.tokens, open) >= ctx.tokens.length) {
      throw syntaxError('(');
    }
    return undefined;
  }
  return translator(new FunctionCall(ctx, u, open));
}
