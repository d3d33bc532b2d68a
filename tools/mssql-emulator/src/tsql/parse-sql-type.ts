import { SqlServerError } from '../sql-server-error.js';
import { isSystemTypeName, type SqlType, type SqlTypeName, sqlType } from '../types/sql-type.js';
import { isOp, type Token } from './lexer.js';

const aliases: Record<string, SqlTypeName> = {
  INTEGER: 'int',
  DEC: 'decimal',
  ROWVERSION: 'timestamp',
  SYSNAME: 'nvarchar',
  CHARACTER: 'char',
  'DOUBLE PRECISION': 'float',
};

/** A type name parsed from tokens, with where parsing stopped. */
export interface ParsedType {
  readonly type: SqlType;
  readonly end: number;
  /** True for `sysname`, which is `nvarchar(128)` under a user type id. */
  readonly sysname: boolean;
}

/**
 * Parses a T-SQL type name (`nvarchar(50)`, `decimal(38, 10)`, `varchar(max)`, `[int]`) at `start`.
 * `forCast` uses the CAST/CONVERT defaults (`varchar` without a length is `varchar(30)`).
 */
export function parseSqlType(tokens: readonly Token[], start: number, forCast = false): ParsedType {
  const first = tokens[start];
  if (first === undefined || (first.kind !== 'word' && first.kind !== 'quoted')) {
    throw new SqlServerError(102, `Incorrect syntax near '${first?.text ?? ''}'.`, { severity: 15 });
  }
  let raw = first.kind === 'word' ? first.upper : first.value.toUpperCase();
  let i = start + 1;
  // `sys.int`-style qualified names are rare; accept `dbo.` or `sys.` prefixes.
  if ((raw === 'SYS' || raw === 'DBO') && isOp(tokens[i], '.') && tokens[i + 1] !== undefined) {
    const t = tokens[i + 1] as Token;
    raw = (t.kind === 'word' ? t.upper : t.value.toUpperCase()) as string;
    i += 2;
  }
  if (raw === 'DOUBLE' && tokens[i]?.upper === 'PRECISION') {
    raw = 'DOUBLE PRECISION';
    i++;
  }
  if ((raw === 'CHAR' || raw === 'CHARACTER') && tokens[i]?.upper === 'VARYING') {
    raw = 'VARCHAR';
    i++;
  }
  if ((raw === 'NATIONAL' || raw === 'NCHAR') && tokens[i]?.upper === 'VARYING') {
    raw = 'NVARCHAR';
    i++;
  }
  const sysname = raw === 'SYSNAME';
  const name = aliases[raw] ?? (raw.toLowerCase() as SqlTypeName);
  if (!isSystemTypeName(name) || name === ('sysname' as string)) {
    throw new SqlServerError(2715, `Column, parameter, or variable #1: Cannot find data type ${first.text}.`);
  }
  const args: number[] = [];
  if (isOp(tokens[i], '(')) {
    i++;
    for (;;) {
      const t = tokens[i];
      if (t === undefined) {
        throw new SqlServerError(102, "Incorrect syntax near ')'.", { severity: 15 });
      }
      if (t.kind === 'word' && t.upper === 'MAX') {
        args.push(-1);
      } else if (t.kind === 'number') {
        args.push(Number(t.text));
      } else {
        throw new SqlServerError(102, `Incorrect syntax near '${t.text}'.`, { severity: 15 });
      }
      i++;
      if (isOp(tokens[i], ',')) {
        i++;
        continue;
      }
      if (!isOp(tokens[i], ')')) {
        throw new SqlServerError(102, `Incorrect syntax near '${tokens[i]?.text ?? ''}'.`, { severity: 15 });
      }
      i++;
      break;
    }
  }
  let a = args[0];
  if (sysname) {
    a = 128;
  } else if (a === undefined && forCast && ['char', 'varchar', 'nchar', 'nvarchar'].includes(name)) {
    a = 30;
  }
  return { type: sqlType(name, a, args[1]), end: i, sysname };
}
