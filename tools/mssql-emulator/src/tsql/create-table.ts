import type { CatalogColumn, CatalogTable } from '../catalog-table.js';
import { hiddenDigitName, hiddenOffsetName, needsHiddenDigit } from '../catalog-table.js';
import { metaSchema } from '../catalog-views.js';
import { quoteIdent, quoteString } from '../sql-quoting.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { duckdbStorageType } from '../types/sql-type.js';
import { isName, isOp, isWord, itemRanges, matchParen, type Token } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';

/** A qualified object name from a statement. */
export interface ObjectName {
  readonly schema: string;
  readonly name: string;
  /** True for `#temp` tables. */
  readonly temp: boolean;
}

/**
 * Reads a 1–3 part object name at `i` (`[db].[schema].[name]`, `schema.name`, `name`); the
 * database part must be `database` (or `tempdb` for temp tables).
 */
export function readObjectName(
  tokens: readonly Token[],
  i: number,
  database: string,
): { name: ObjectName; end: number } {
  const nameOf = (t: Token): string => (t.kind === 'word' ? t.text : t.value);
  const first = tokens[i];
  if (first === undefined || !isName(first)) {
    throw syntaxError(first?.text ?? '');
  }
  const clean: string[] = [nameOf(first)];
  let j = i + 1;
  while (isOp(tokens[j], '.')) {
    const next = tokens[j + 1];
    if (next !== undefined && isName(next)) {
      clean.push(nameOf(next));
      j += 2;
    } else if (isOp(next, '.')) {
      clean.push('');
      j += 1;
    } else {
      break;
    }
  }
  const name = clean[clean.length - 1] as string;
  if (clean.length === 3) {
    const db = (clean[0] as string).toLowerCase();
    if (db !== database.toLowerCase() && db !== 'tempdb') {
      throw new SqlServerError(2702, `Database '${clean[0]}' does not exist.`);
    }
  }
  const schema =
    clean.length >= 2 && clean[clean.length - 2] !== '' ? (clean[clean.length - 2] as string) : 'dbo';
  return { name: { schema, name, temp: name.startsWith('#') }, end: j };
}

/** The DuckDB name of a table: `"schema"."name"`, or `"#name"` for temp tables. */
export function duckTableName(n: ObjectName): string {
  return n.temp ? quoteIdent(n.name) : `${quoteIdent(n.schema)}.${quoteIdent(n.name)}`;
}

/** What CREATE TABLE turns into: DuckDB DDL to run and the table to record in the catalog. */
export interface CreateTablePlan {
  readonly name: ObjectName;
  readonly ddl: readonly string[];
  readonly table: CatalogTable;
}

/**
 * Plans `CREATE TABLE name (column and constraint definitions)`: the SQL Server types go to the
 * catalog, DuckDB gets storage types, NOT NULL, defaults, length checks (error 2628 on
 * overflow), identity sequences and the primary key.
 *
 * `translateExpr` turns a T-SQL default expression into DuckDB SQL.
 */
export function planCreateTable(
  tokens: readonly Token[],
  database: string,
  objectId: number,
  translateExpr: (tokens: readonly Token[]) => string,
): CreateTablePlan {
  // tokens[0] = CREATE, tokens[1] = TABLE
  const { name, end } = readObjectName(tokens, 2, database);
  if (!isOp(tokens[end], '(')) {
    throw syntaxError(tokens[end]?.text ?? name.name);
  }
  const close = matchParen(tokens, end);
  const defs = itemRanges(tokens, end + 1, close);
  const columns: CatalogColumn[] = [];
  const duckCols: string[] = [];
  // Hidden 100 ns digit columns go after the declared ones.
  const hidden: string[] = [];
  const ddl: string[] = [];
  let primaryKey: { name: string; columns: string[] } | undefined;
  const uniques: string[][] = [];
  let identitySequence: string | undefined;
  const tableDuck = duckTableName(name);
  for (const [a, b] of defs) {
    const first = tokens[a];
    if (first === undefined) {
      continue;
    }
    let i = a;
    let constraintName: string | undefined;
    if (isWord(first, 'CONSTRAINT')) {
      const n = tokens[a + 1] as Token;
      constraintName = n.kind === 'word' ? n.text : n.value;
      i = a + 2;
    }
    const head = tokens[i];
    if (isWord(head, 'PRIMARY') || isWord(head, 'UNIQUE')) {
      let j = i + (isWord(head, 'PRIMARY') ? 2 : 1);
      if (isWord(tokens[j], 'CLUSTERED') || isWord(tokens[j], 'NONCLUSTERED')) {
        j++;
      }
      if (!isOp(tokens[j], '(')) {
        throw syntaxError(tokens[j]?.text ?? '');
      }
      const cols = keyColumns(tokens, j);
      if (isWord(head, 'PRIMARY')) {
        primaryKey = { name: constraintName ?? defaultPkName(name.name), columns: cols };
      } else {
        uniques.push(cols);
      }
      continue;
    }
    if (isWord(head, 'FOREIGN') || isWord(head, 'CHECK') || isWord(head, 'INDEX') || isWord(head, 'PERIOD')) {
      continue;
    }
    // A column definition.
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
    let j = parsed.end;
    let nullable = true;
    let identity = false;
    let seed = '1';
    let increment = '1';
    let defaultSql: string | undefined;
    let defaultText: string | undefined;
    while (j < b) {
      const t = tokens[j] as Token;
      if (isWord(t, 'NOT') && isWord(tokens[j + 1], 'NULL')) {
        nullable = false;
        j += 2;
      } else if (isWord(t, 'NULL')) {
        nullable = true;
        j++;
      } else if (isWord(t, 'IDENTITY')) {
        identity = true;
        nullable = false;
        j++;
        if (isOp(tokens[j], '(')) {
          const c = matchParen(tokens, j);
          const args = tokens.slice(j + 1, c).filter((x) => !isOp(x, ','));
          seed = signedNumber(args, 0) ?? '1';
          increment = signedNumber(args, seed.startsWith('-') ? 2 : 1) ?? '1';
          j = c + 1;
        }
      } else if (isWord(t, 'CONSTRAINT')) {
        const n = tokens[j + 1] as Token;
        constraintName = n.kind === 'word' ? n.text : n.value;
        j += 2;
      } else if (isWord(t, 'PRIMARY') && isWord(tokens[j + 1], 'KEY')) {
        primaryKey = { name: constraintName ?? defaultPkName(name.name), columns: [colName] };
        nullable = false;
        j += 2;
        if (isWord(tokens[j], 'CLUSTERED') || isWord(tokens[j], 'NONCLUSTERED')) {
          j++;
        }
      } else if (isWord(t, 'UNIQUE')) {
        uniques.push([colName]);
        j++;
        if (isWord(tokens[j], 'CLUSTERED') || isWord(tokens[j], 'NONCLUSTERED')) {
          j++;
        }
      } else if (isWord(t, 'DEFAULT')) {
        const exprEnd = defaultEnd(tokens, j + 1, b);
        const expr = tokens.slice(j + 1, exprEnd);
        defaultText = `(${expr.map((x) => x.text).join('')})`;
        defaultSql = translateExpr(expr);
        j = exprEnd;
      } else if (isWord(t, 'CHECK') || isWord(t, 'WITH')) {
        j = isOp(tokens[j + 1], '(') ? matchParen(tokens, j + 1) + 1 : j + 1;
      } else if (isWord(t, 'REFERENCES')) {
        j += 1;
        while (j < b && !isOp(tokens[j], '(')) {
          j++;
        }
        j = matchParen(tokens, j) + 1;
        while (isWord(tokens[j], 'ON') && j < b) {
          j += 3;
          if (isWord(tokens[j - 1], 'NO') || isWord(tokens[j - 1], 'SET')) {
            j++;
          }
        }
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
    let duckType = duckdbStorageType(type);
    const parts = [`${quoteIdent(colName)} ${duckType}`];
    if (!nullable) {
      parts.push('NOT NULL');
    }
    if (identity) {
      identitySequence = name.temp
        ? quoteIdent(`${name.name}__${colName}__identity`)
        : `${quoteIdent(name.schema)}.${quoteIdent(`${name.name}__${colName}__identity`)}`;
      ddl.push(`CREATE SEQUENCE ${identitySequence} START WITH ${seed} INCREMENT BY ${increment}`);
      parts.push(`DEFAULT nextval(${quoteString(identitySequence)})`);
    } else if (type.name === 'timestamp') {
      parts.push(`DEFAULT nextval('${metaSchema}.rowversion')`);
      nullable = false;
    } else if (defaultSql !== undefined) {
      parts.push(`DEFAULT (${defaultSql})`);
    }
    if (type.maxLength > 0 && ['char', 'varchar', 'nchar', 'nvarchar'].includes(type.name)) {
      const chars = type.name.startsWith('n') ? type.maxLength / 2 : type.maxLength;
      parts.push(`CHECK (length(${quoteIdent(colName)}) <= ${chars})`);
    } else if (type.maxLength > 0 && (type.name === 'varbinary' || type.name === 'binary')) {
      parts.push(`CHECK (octet_length(${quoteIdent(colName)}) <= ${type.maxLength})`);
    }
    duckType = parts.join(' ');
    duckCols.push(duckType);
    const column: CatalogColumn = {
      columnId: columns.length + 1,
      name: colName,
      type,
      sysname: parsed.sysname,
      nullable,
      identity,
      defaultText,
    };
    let withHidden = column;
    if (needsHiddenDigit(type)) {
      hidden.push(`${quoteIdent(hiddenDigitName(colName))} UTINYINT DEFAULT 0`);
      withHidden = { ...withHidden, ns100: hiddenDigitName(colName) };
    }
    if (type.name === 'datetimeoffset') {
      // The TIMESTAMPTZ keeps the instant; the offset it was written with lives beside it.
      hidden.push(`${quoteIdent(hiddenOffsetName(colName))} SMALLINT DEFAULT 0`);
      withHidden = { ...withHidden, tz: hiddenOffsetName(colName) };
    }
    columns.push(withHidden);
  }
  if (columns.length === 0) {
    throw syntaxError(')');
  }
  duckCols.push(...hidden);
  if (primaryKey !== undefined) {
    const pk = primaryKey;
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k] as CatalogColumn;
      if (pk.columns.some((p) => p.toLowerCase() === c.name.toLowerCase())) {
        columns[k] = { ...c, nullable: false };
      }
    }
    duckCols.push(`PRIMARY KEY (${pk.columns.map(quoteIdent).join(', ')})`);
  }
  for (const u of uniques) {
    duckCols.push(`UNIQUE (${u.map(quoteIdent).join(', ')})`);
  }
  ddl.push(`CREATE ${name.temp ? 'TEMP ' : ''}TABLE ${tableDuck} (${duckCols.join(', ')})`);
  // `ON scheme(column)` after the definitions: stored on a partition scheme (`ON [PRIMARY]` is not).
  let partition: { scheme: string; column: string } | undefined;
  if (isWord(tokens[close + 1], 'ON') && isName(tokens[close + 2]) && isOp(tokens[close + 3], '(')) {
    const scheme = tokens[close + 2] as Token;
    const column = tokens[close + 4];
    if (column !== undefined && isName(column)) {
      partition = {
        scheme: scheme.kind === 'word' ? scheme.text : scheme.value,
        column: column.kind === 'word' ? column.text : column.value,
      };
    }
  }
  return {
    name,
    ddl,
    table: {
      objectId,
      schema: name.schema,
      name: name.name,
      kind: 'table',
      columns,
      primaryKey,
      identitySequence,
      ...(partition === undefined ? {} : { partition }),
    },
  };
}

function defaultPkName(table: string): string {
  const hex = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
  return `PK__${table.slice(0, 8)}__${hex}`;
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

/** Splits the definitions list at top-level commas into [from, to) ranges. */

/** Column names of a `(col [ASC|DESC], …)` key list at `open`. */
function keyColumns(tokens: readonly Token[], open: number): string[] {
  const close = matchParen(tokens, open);
  const out: string[] = [];
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i] as Token;
    if (isName(t) && !isWord(t, 'ASC') && !isWord(t, 'DESC')) {
      out.push(t.kind === 'word' ? t.text : t.value);
    }
  }
  return out;
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
