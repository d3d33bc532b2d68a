import type { SqlType } from '../types/sql-type.js';
import type { Token } from './lexer.js';
import type { TranslateEnv } from './translation.js';

/** What built-in function translation needs from the statement translator. */
export interface FunctionContext {
  readonly tokens: readonly Token[];
  readonly env: TranslateEnv;
  /** DuckDB SQL for tokens [from, to). */
  range(from: number, to: number): string;
  /** The SQL Server type of an expression range, where evident. */
  typeOf(from: number, to: number): SqlType | undefined;
  /** Argument ranges of the call whose parentheses are at `open` and `close`. */
  args(open: number, close: number): [number, number][];
  /** The last top-level AS in [from, to), or -1. */
  lastTopLevelAs(from: number, to: number): number;
  /** SQL of the hidden 100 ns digit of a plain datetime2(7) column reference, if [from, to) is one. */
  hiddenDigit(from: number, to: number): string | undefined;
  /** SQL of the offset (minutes) of a datetimeoffset expression in [from, to), where evident. */
  offsetOf(from: number, to: number): string | undefined;
  /** The columns `*` stands for in CHECKSUM(*), where evident (see `checksum-sql.ts`). */
  starColumns(): ChecksumArgument[] | undefined;
}

/** One argument of CHECKSUM / BINARY_CHECKSUM (or one column of `*`). */
export interface ChecksumArgument {
  /** DuckDB SQL of the value. */
  readonly sql: string;
  /** Its SQL Server type, where evident. */
  readonly type: SqlType | undefined;
  /** Hidden side columns of the value (a datetime2(7)'s 100 ns digit, a datetimeoffset's offset). */
  readonly hidden?: readonly string[];
  /** A bare `NULL` literal: no type, and it adds nothing. */
  readonly untypedNull?: boolean;
}
