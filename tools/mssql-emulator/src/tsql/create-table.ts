import type { CatalogColumn, CatalogTable } from '../catalog-table.js';
import { quoteIdent } from '../sql-quoting.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { parseColumnDefinition } from './column-definition.js';
import { isName, isOp, isWord, itemRanges, matchParen, type Token } from './lexer.js';
import { isPaddedText } from './padded-comparison.js';

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

/** The `ON scheme(column)` after the definitions at `close`: the partition scheme the table is stored on (`ON [PRIMARY]` is not one). */
function partitionClause(
  tokens: readonly Token[],
  close: number,
): { scheme: string; column: string } | undefined {
  if (isWord(tokens[close + 1], 'ON') && isName(tokens[close + 2]) && isOp(tokens[close + 3], '(')) {
    const scheme = tokens[close + 2] as Token;
    const column = tokens[close + 4];
    if (column !== undefined && isName(column)) {
      return {
        scheme: scheme.kind === 'word' ? scheme.text : scheme.value,
        column: column.kind === 'word' ? column.text : column.value,
      };
    }
  }
  return undefined;
}

/** A table-level `[CONSTRAINT name] PRIMARY KEY | UNIQUE (cols)` in tokens [a, …), or undefined when [a, …) is something else. */
function tableKey(
  tokens: readonly Token[],
  a: number,
):
  | { kind: 'primary' | 'unique'; constraintName: string | undefined; columns: string[] }
  | 'ignored'
  | undefined {
  let i = a;
  let constraintName: string | undefined;
  if (isWord(tokens[a], 'CONSTRAINT')) {
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
    return {
      kind: isWord(head, 'PRIMARY') ? 'primary' : 'unique',
      constraintName,
      columns: keyColumns(tokens, j),
    };
  }
  if (isWord(head, 'FOREIGN') || isWord(head, 'CHECK') || isWord(head, 'INDEX') || isWord(head, 'PERIOD')) {
    return 'ignored';
  }
  return undefined;
}

/**
 * Plans `CREATE TABLE name (column and constraint definitions)`: the SQL Server types go to the
 * catalog, DuckDB gets storage types, NOT NULL, defaults, length checks (error 2628 on
 * overflow), identity sequences and the primary key.
 *
 * `translateExpr` turns a T-SQL default expression into DuckDB SQL.
 *
 * @example
 * planCreateTable(tokenize('CREATE TABLE dbo.T ([Id] int NOT NULL PRIMARY KEY)'), 'master', 901578250, translate).ddl
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
  const columns: CatalogColumn[] = [];
  const duckCols: string[] = [];
  // Hidden 100 ns digit and offset columns go after the declared ones.
  const hidden: string[] = [];
  const ddl: string[] = [];
  let primaryKey: { name: string; columns: string[] } | undefined;
  const uniques: { name: string | undefined; columns: string[] }[] = [];
  let identitySequence: string | undefined;
  for (const [a, b] of itemRanges(tokens, end + 1, close)) {
    if (tokens[a] === undefined) {
      continue;
    }
    const key = tableKey(tokens, a);
    if (key === 'ignored') {
      continue;
    }
    if (key !== undefined) {
      if (key.kind === 'primary') {
        primaryKey = { name: key.constraintName ?? defaultPkName(name.name), columns: key.columns };
      } else {
        uniques.push({ name: key.constraintName, columns: key.columns });
      }
      continue;
    }
    const def = parseColumnDefinition(tokens, a, b, name, columns.length + 1, translateExpr);
    if (def.identity !== undefined) {
      identitySequence = def.identity.sequence;
      ddl.push(def.identity.ddl);
    }
    if (def.primaryKey !== undefined) {
      primaryKey = {
        name: def.primaryKey.constraintName ?? defaultPkName(name.name),
        columns: [def.column.name],
      };
    }
    if (def.unique) {
      uniques.push({ name: def.uniqueConstraintName, columns: [def.column.name] });
    }
    duckCols.push(def.duckSql);
    hidden.push(...def.hiddenSql);
    columns.push(def.column);
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
    duckCols.push(`UNIQUE (${u.columns.map(quoteIdent).join(', ')})`);
  }
  ddl.push(`CREATE ${name.temp ? 'TEMP ' : ''}TABLE ${duckTableName(name)} (${duckCols.join(', ')})`);
  const keys = [
    ...(primaryKey === undefined ? [] : [{ kind: 'primary' as const, columns: primaryKey.columns }]),
    ...uniques.map((u) => ({ kind: 'unique' as const, columns: u.columns })),
  ];
  keys.forEach((key, k) => {
    const index = collatedKeyIndex(name, `${k}`, key.kind, key.columns, columns);
    if (index !== undefined) {
      ddl.push(index);
    }
  });
  const partition = partitionClause(tokens, close);
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
      uniqueIndexes: uniques.map((u, k) => ({
        indexId: k + 2,
        name: u.name ?? defaultConstraintName('UQ', name.name),
        columns: u.columns,
        constraint: true,
        filter: undefined,
      })),
      identitySequence,
      ...(partition === undefined ? {} : { partition }),
    },
  };
}

/**
 * The unique index that makes a PRIMARY KEY or UNIQUE constraint with character string columns
 * compare keys as SQL_Latin1_General_CP1_CI_AS does (DuckDB's own constraint ignores the `nocase`
 * collation and counts trailing spaces, so 'a', 'A' and 'a ' would all go in): over the strings
 * lower-cased without trailing spaces. The DuckDB constraint stays (NOT NULL, exact duplicates).
 * A primary key's index spells `lower`, a unique constraint's `lcase` (the same function): DuckDB's
 * duplicate-key message shows the expression, and `duckdb-errors.ts` names the constraint kind
 * from it. Undefined when the key has no string column.
 */
function collatedKeyIndex(
  table: ObjectName,
  suffix: string,
  kind: 'primary' | 'unique',
  keyColumns: readonly string[],
  columns: readonly CatalogColumn[],
): string | undefined {
  const fold = kind === 'primary' ? 'lower' : 'lcase';
  let anyText = false;
  const parts = keyColumns.map((name) => {
    const column = columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (column !== undefined && isPaddedText(column.type)) {
      anyText = true;
      return `${fold}(rtrim(${quoteIdent(column.name)}))`;
    }
    return quoteIdent(name);
  });
  if (!anyText) {
    return undefined;
  }
  const indexName = quoteIdent(`${table.name}__collated_key_${suffix}`);
  return `CREATE UNIQUE INDEX ${indexName} ON ${duckTableName(table)} (${parts.join(', ')})`;
}

function defaultPkName(table: string): string {
  return defaultConstraintName('PK', table);
}

/** SQL Server's generated constraint name: `PK__Orders__1A2B3C4D`, `UQ__Orders__…`. */
function defaultConstraintName(prefix: string, table: string): string {
  const hex = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
  return `${prefix}__${table.slice(0, 8)}__${hex}`;
}

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
