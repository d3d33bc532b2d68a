import { SqlServerError, syntaxError } from '../../sql-server-error.js';
import type { SqlType } from '../../types/sql-type.js';
import { localClockSql } from '../datetimeoffset.js';
import type { FunctionContext } from '../function-context.js';
import { matchParen } from '../lexer.js';

/** A translated call: its DuckDB SQL and the token index after it. */
export interface TranslatedCall {
  readonly sql: string;
  readonly next: number;
}

/**
 * Translates one built-in function call, or returns undefined when DuckDB has the same function
 * and the call passes through as written.
 */
export type FunctionTranslator = (call: FunctionCall) => TranslatedCall | undefined;

/**
 * One call of a built-in function being translated: its name, where its parentheses are, its
 * argument ranges, and the argument readings several functions share.
 *
 * @example
 * const call = new FunctionCall(ctx, 'ISNULL', 1); // ISNULL([a], 0)
 * call.done(`coalesce(${call.arg(0)}, ${call.arg(1)})`) // { sql: 'coalesce("a", 0)', next: 6 }
 */
export class FunctionCall {
  /** The index of the closing parenthesis. */
  readonly close: number;
  /** The argument ranges, [from, to) each. */
  readonly args: [number, number][];

  constructor(
    readonly ctx: FunctionContext,
    /** The function name, upper case. */
    readonly name: string,
    /** The index of the opening parenthesis. */
    readonly open: number,
  ) {
    this.close = matchParen(ctx.tokens, open);
    if (this.close >= ctx.tokens.length) {
      throw syntaxError('(');
    }
    this.args = ctx.args(open, this.close);
  }

  /** The call translated to `sql`, ending at its closing parenthesis. */
  done(sql: string): TranslatedCall {
    return { sql, next: this.close + 1 };
  }

  /** DuckDB SQL of argument `k` (error 174 when the call has fewer). */
  arg(k: number): string {
    const r = this.args[k];
    if (r === undefined) {
      throw new SqlServerError(
        174,
        `The ${this.name.toLowerCase()} function requires ${k + 1} argument(s).`,
        {
          severity: 15,
        },
      );
    }
    return this.ctx.range(r[0], r[1]);
  }

  /** The SQL Server type of argument `k`, where evident. */
  typeOfArg(k: number): SqlType | undefined {
    const r = this.args[k];
    return r === undefined ? undefined : this.ctx.typeOf(r[0], r[1]);
  }

  /** Argument `k` where a date is expected: a string literal is read as a datetime, as SQL Server converts it. */
  dateArg(k: number): string {
    const r = this.args[k];
    if (r !== undefined && r[1] - r[0] === 1 && this.ctx.tokens[r[0]]?.kind === 'string') {
      return `CAST(${this.arg(k)} AS TIMESTAMP)`;
    }
    return this.arg(k);
  }

  /** Argument `k` as a clock time: a datetimeoffset's date parts are those of its local time at its offset. */
  clockArg(k: number): string {
    const r = this.args[k];
    if (r !== undefined && this.ctx.typeOf(r[0], r[1])?.name === 'datetimeoffset') {
      return localClockSql(this.arg(k), this.ctx.offsetOf(r[0], r[1]));
    }
    return this.dateArg(k);
  }

  /** A datetimeoffset argument's offset in minutes (NULL for NULL; +00:00 where it is not evident). */
  offsetArg(k: number): string {
    const r = this.args[k];
    const offset = (r === undefined ? undefined : this.ctx.offsetOf(r[0], r[1])) ?? '0';
    return `(CASE WHEN (${this.arg(k)}) IS NULL THEN NULL ELSE CAST(coalesce(${offset}, 0) AS INTEGER) END)`;
  }
}
