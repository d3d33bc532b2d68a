import type { CatalogColumn } from '../catalog-table.js';
import { hiddenDigitName, hiddenOffsetName, needsHiddenDigit } from '../catalog-table.js';
import { metaSchema } from '../catalog-views.js';
import { quoteIdent, quoteString } from '../sql-quoting.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { duckdbStorageType } from '../types/sql-type.js';
import { isName, isOp, isWord, matchParen, type Token } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';
import { lengthCheck } from './truncation-check.js';

/** One column definition of CREATE TABLE, ready for DuckDB and the catalog. */
export interface ColumnDefinition {
  /** The catalog column (its hidden side columns named; `columnId` as given). */
  readonly column: CatalogColumn;
  /** The DuckDB column definition: storage type, NOT NULL, default, length check. */
  readonly duckSql: string;
  /** DuckDB definitions of the hidden 100 ns digit / offset columns, which go after the declared ones. */
  readonly hiddenSql: readonly string[];
  /** The identity column's DuckDB sequence (quoted name) and the DDL creating it. */
  readonly identity: { readonly sequence: string; readonly ddl: string } | undefined;
  /** An inline `PRIMARY KEY`, with its `CONSTRAINT` name if given. */
  readonly primaryKey: { readonly constraintName: string | undefined } | undefined;
  /** An inline `UNIQUE`. */
  readonly unique: boolean;
  /** The `CONSTRAINT` name of an inline `UNIQUE`, if given. */
  readonly uniqueConstraintName: string | undefined;
}

/** What follows a column's type: NULL-ness, IDENTITY, DEFAULT, inline keys; ignored clauses skipped. */
interface ColumnOptions {
  nullable: boolean;
  identity: { seed: string; increment: string } | undefined;
  defaultSql: string | undefined;
  defaultText: string | undefined;
  primaryKey: { constraintName: string | undefined } | undefined;
  unique: boolean;
  uniqueConstraintName: string | undefined;
}

function signedNumber(args: readonly Token[], k: number): string | undefined {
  const t = args[k];
  if (t === undefined) {
    return undefined;
  }
  if (isOp(t, '-')) {
    const n = args[k + 1];
    return n === undefined ? undefined : `-${n.text}`;
  }
  return t.text;
}

/** The end of a DEFAULT expression: a parenthesised group, a function call, or one literal. */
function defaultEnd(tokens: readonly Token[], i: number, limit: number): number {
  const t = tokens[i];
  if (t === undefined) {
    return i;
  }
  if (isOp(t, '(')) {
    return Math.min(matchParen(tokens, i) + 1, limit);
  }
  if (isOp(t, '-') || isOp(t, '+')) {
    return Math.min(i + 2, limit);
  }
  if (t.kind === 'word' && isOp(tokens[i + 1], '(')) {
    return Math.min(matchParen(tokens, i + 1) + 1, limit);
  }
  return Math.min(i + 1, limit);
}

/** Skips a `REFERENCES t (cols) [ON DELETE|UPDATE action]…` clause at `j`; returns where it ends. */
function skipReferences(tokens: readonly Token[], j: number, b: number): number {
  let k = j + 1;
  while (k < b && !isOp(tokens[k], '(')) {
    k++;
  }
  k = matchParen(tokens, k) + 1;
  while (isWord(tokens[k], 'ON') && k < b) {
    k += 3;
    if (isWord(tokens[k - 1], 'NO') || isWord(tokens[k - 1], 'SET')) {
      k++;
    }
  }
  return k;
}

/** Skips an optional CLUSTERED / NONCLUSTERED at `j`. */
function skipClustering(tokens: readonly Token[], j: number): number {
  return isWord(tokens[j], 'CLUSTERED') || isWord(tokens[j], 'NONCLUSTERED') ? j + 1 : j;
}

/** Reads the options in tokens [j, b) after a column's type. */
function readColumnOptions(
  tokens: readonly Token[],
  j: number,
  b: number,
  translateExpr: (tokens: readonly Token[]) => string,
): ColumnOptions {
  const o: ColumnOptions = {
    nullable: true,
    identity: undefined,
    defaultSql: undefined,
    defaultText: undefined,
    primaryKey: undefined,
    unique: false,
    uniqueConstraintName: undefined,
  };
  let constraintName: string | undefined;
  while (j < b) {
    const t = tokens[j] as Token;
    if (isWord(t, 'NOT') && isWord(tokens[j + 1], 'NULL')) {
      o.nullable = false;
      j += 2;
    } else if (isWord(t, 'NULL')) {
      o.nullable = true;
      j++;
    } else if (isWord(t, 'IDENTITY')) {
      o.identity = { seed: '1', increment: '1' };
      o.nullable = false;
      j++;
      if (isOp(tokens[j], '(')) {
        const c = matchParen(tokens, j);
        const args = tokens.slice(j + 1, c).filter((x) => !isOp(x, ','));
        const seed = signedNumber(args, 0) ?? '1';
        o.identity = { seed, increment: signedNumber(args, seed.startsWith('-') ? 2 : 1) ?? '1' };
        j = c + 1;
      }
    } else if (isWord(t, 'CONSTRAINT')) {
      const n = tokens[j + 1] as Token;
      constraintName = n.kind === 'word' ? n.text : n.value;
      j += 2;
    } else if (isWord(t, 'PRIMARY') && isWord(tokens[j + 1], 'KEY')) {
      o.primaryKey = { constraintName };
      o.nullable = false;
      j = skipClustering(tokens, j + 2);
    } else if (isWord(t, 'UNIQUE')) {
      o.unique = true;
      o.uniqueConstraintName = constraintName;
      j = skipClustering(tokens, j + 1);
    } else if (isWord(t, 'DEFAULT')) {
      const exprEnd = defaultEnd(tokens, j + 1, b);
      const expr = tokens.slice(j + 1, exprEnd);
      o.defaultText = `(${expr.map((x) => x.text).join('')})`;
      o.defaultSql = translateExpr(expr);
      j = exprEnd;
    } else if (isWord(t, 'CHECK') || isWord(t, 'WITH')) {
      j = isOp(tokens[j + 1], '(') ? matchParen(tokens, j + 1) + 1 : j + 1;
    } else if (isWord(t, 'REFERENCES')) {
      j = skipReferences(tokens, j, b);
    } else if (isWord(t, 'COLLATE')) {
      j += 2;
    } else if (isWord(t, 'NOT') && isWord(tokens[j + 1], 'FOR')) {
      j += 3;
    } else if (
      ['ROWGUIDCOL', 'SPARSE', 'FILESTREAM', 'PERSISTED', 'CLUSTERED', 'NONCLUSTERED'].includes(t.upper)
    ) {
      j++;
    } else {
      throw syntaxError(t.text);
    }
  }
  return o;
}

/**
 * Reads the column definition in tokens [i, b) (`name type [options]`) of table `table`
 * (`tableSchema` is undefined for a temp table).
 *
 * @example
 * parseColumnDefinition(tokenize('[Id] int NOT NULL PRIMARY KEY'), 0, 5, { schema: 'dbo', name: 'T', temp: false }, 1, translate)
 */
export function parseColumnDefinition(
  tokens: readonly Token[],
  i: number,
  b: number,
  table: { readonly schema: string; readonly name: string; readonly temp: boolean },
  columnId: number,
  translateExpr: (tokens: readonly Token[]) => string,
): ColumnDefinition {
  const head = tokens[i];
  if (!isName(head)) {
    throw syntaxError(head?.text ?? '');
  }
  const colName = (head as Token).kind === 'word' ? (head as Token).text : (head as Token).value;
  if (isWord(tokens[i + 1], 'AS')) {
    throw new SqlServerError(102, `Computed column '${colName}' is not supported by the emulator.`, {
      severity: 15,
    });
  }
  const parsed = parseSqlType(tokens, i + 1);
  const type = parsed.type;
  const o = readColumnOptions(tokens, parsed.end, b, translateExpr);
  let nullable = o.nullable;
  const parts = [`${quoteIdent(colName)} ${duckdbStorageType(type)}`];
  if (!nullable) {
    parts.push('NOT NULL');
  }
  let identity: ColumnDefinition['identity'];
  if (o.identity !== undefined) {
    const sequence = table.temp
      ? quoteIdent(`${table.name}__${colName}__identity`)
      : `${quoteIdent(table.schema)}.${quoteIdent(`${table.name}__${colName}__identity`)}`;
    identity = {
      sequence,
      ddl: `CREATE SEQUENCE ${sequence} START WITH ${o.identity.seed} INCREMENT BY ${o.identity.increment}`,
    };
    parts.push(`DEFAULT nextval(${quoteString(sequence)})`);
  } else if (type.name === 'timestamp') {
    parts.push(`DEFAULT nextval('${metaSchema}.rowversion')`);
    nullable = false;
  } else if (o.defaultSql !== undefined) {
    parts.push(`DEFAULT (${o.defaultSql})`);
  }
  const check = lengthCheck(colName, type);
  if (check !== undefined) {
    parts.push(check);
  }
  let column: CatalogColumn = {
    columnId,
    name: colName,
    type,
    sysname: parsed.sysname,
    nullable,
    identity: o.identity !== undefined,
    defaultText: o.defaultText,
  };
  const hiddenSql: string[] = [];
  if (needsHiddenDigit(type)) {
    hiddenSql.push(`${quoteIdent(hiddenDigitName(colName))} UTINYINT DEFAULT 0`);
    column = { ...column, ns100: hiddenDigitName(colName) };
  }
  if (type.name === 'datetimeoffset') {
    // The TIMESTAMPTZ keeps the instant; the offset it was written with lives beside it.
    hiddenSql.push(`${quoteIdent(hiddenOffsetName(colName))} SMALLINT DEFAULT 0`);
    column = { ...column, tz: hiddenOffsetName(colName) };
  }
  return {
    column,
    duckSql: parts.join(' '),
    hiddenSql,
    identity,
    primaryKey: o.primaryKey,
    unique: o.unique,
    uniqueConstraintName: o.uniqueConstraintName,
  };
}
