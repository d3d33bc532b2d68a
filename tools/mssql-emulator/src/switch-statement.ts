import type { Catalog } from './catalog.js';
import type { CatalogTable } from './catalog-table.js';
import type { PartitionFunction } from './partition-functions.js';
import { partitionNumberSql } from './partition-functions.js';
import { quoteIdent } from './sql-quoting.js';
import { SqlServerError, syntaxError } from './sql-server-error.js';
import type { StatementContext } from './statement-context.js';
import { CurCmd, DoneStatus } from './tds/protocol.js';
import { duckTableName, type ObjectName, readObjectName } from './tsql/create-table.js';
import { isOp, isWord, matchParen, type Token, tokenize, tokensText } from './tsql/lexer.js';
import { typeTokensText } from './tsql/statement-shapes.js';
import { translate } from './tsql/translator.js';

/**
 * A table-level CHECK constraint added with `ALTER TABLE … ADD CONSTRAINT … CHECK (…)`: the emulator
 * keeps its T-SQL predicate to check the table's rows when it is added and to decide whether an
 * `ALTER TABLE … SWITCH` into a partition is allowed (SQL Server's error 4982).
 */
interface CheckConstraint {
  readonly name: string;
  readonly predicate: readonly Token[];
  /** Added WITH CHECK (the default for ADD): SQL Server's `is_not_trusted` = 0. */
  readonly trusted: boolean;
}

/** Check constraints per catalog, by table object id (a dropped table's id is never reused). */
const checks = new WeakMap<Catalog, Map<number, CheckConstraint[]>>();

function checksOf(catalog: Catalog, table: CatalogTable): CheckConstraint[] {
  let byTable = checks.get(catalog);
  if (byTable === undefined) {
    byTable = new Map();
    checks.set(catalog, byTable);
  }
  let list = byTable.get(table.objectId);
  if (list === undefined) {
    list = [];
    byTable.set(table.objectId, list);
  }
  return list;
}

const nameOf = (t: Token | undefined): string =>
  t === undefined ? '' : t.kind === 'word' ? t.text : t.value;
const display = (n: ObjectName): string => `${n.schema}.${n.name}`;

/**
 * The ALTER TABLE forms this file runs: `… SWITCH [PARTITION n] TO t [PARTITION m]` and
 * `… [WITH CHECK | WITH NOCHECK] ADD CONSTRAINT name CHECK (predicate)`. Returns false for any
 * other ALTER TABLE, which `alterStatement` runs. `end` indexes the token after the table name.
 *
 * @example
 * if (await alterTableSwitchOrCheck(ctx, name, table, tokens, end)) return;
 */
export async function alterTableSwitchOrCheck(
  ctx: StatementContext,
  name: ObjectName,
  table: CatalogTable,
  tokens: readonly Token[],
  end: number,
): Promise<boolean> {
  if (isWord(tokens[end], 'SWITCH')) {
    await switchStatement(ctx, name, table, tokens, end + 1);
    return true;
  }
  let i = end;
  let trusted = true;
  if (isWord(tokens[i], 'WITH') && (isWord(tokens[i + 1], 'CHECK') || isWord(tokens[i + 1], 'NOCHECK'))) {
    trusted = isWord(tokens[i + 1], 'CHECK');
    i += 2;
  }
  if (isWord(tokens[i], 'ADD') && isWord(tokens[i + 1], 'CONSTRAINT') && isWord(tokens[i + 3], 'CHECK')) {
    const open = i + 4;
    if (!isOp(tokens[open], '(')) {
      throw syntaxError(tokens[open]?.text ?? '');
    }
    const predicate = tokens.slice(open + 1, matchParen(tokens, open));
    const constraint = { name: nameOf(tokens[i + 2]), predicate, trusted };
    if (trusted && (await violations(ctx, name, predicate)) > 0) {
      throw new SqlServerError(
        547,
        `The ALTER TABLE statement conflicted with the CHECK constraint "${constraint.name}". The conflict occurred in database "${ctx.host.database}", table "${display(name)}".`,
      );
    }
    checksOf(ctx.host.catalog, table).push(constraint);
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return true;
  }
  return false;
}

/** Rows of the table for which the predicate is false (NULL passes a CHECK, as in SQL Server). */
async function violations(
  ctx: StatementContext,
  name: ObjectName,
  predicate: readonly Token[],
): Promise<number> {
  const t = translate(
    tokenize(
      `SELECT COUNT(*) FROM ${quoteIdent(name.schema)}.${quoteIdent(name.name)} WHERE NOT (${tokensText(predicate)})`,
    ),
    ctx.env(),
  );
  const { values, types } = ctx.bindings(t);
  const reader = await ctx.conn.runAndReadAll(t.sql, values, types);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** `PARTITION n` at `i` (an integer literal), or undefined when there is none. */
function partitionAt(tokens: readonly Token[], i: number): { partition: number | undefined; next: number } {
  if (!isWord(tokens[i], 'PARTITION')) {
    return { partition: undefined, next: i };
  }
  const t = tokens[i + 1];
  const n = t === undefined ? Number.NaN : Number(t.text);
  if (!Number.isInteger(n) || n < 1) {
    throw new SqlServerError(
      102,
      `Incorrect syntax near '${t?.text ?? ''}'. ALTER TABLE SWITCH takes a partition number literal in the emulator.`,
      { severity: 15 },
    );
  }
  return { partition: n, next: i + 2 };
}

/**
 * `ALTER TABLE src SWITCH [PARTITION n] TO target [PARTITION m]` with SQL Server's preconditions:
 * the same columns (name, type, nullability) and primary key, an empty target (partition), a
 * source partition switched only into a partition of the same range, and a non-partitioned
 * source switched into partition m only when its trusted CHECK constraints reject every value
 * outside m's range (error 4982; the emulator proves this by probing the values just outside the
 * range and NULL, and refuses a partition column type it cannot probe). Moving the rows is an
 * INSERT and a DELETE in the session's transaction, so a ROLLBACK undoes a switch.
 */
async function switchStatement(
  ctx: StatementContext,
  sourceName: ObjectName,
  source: CatalogTable,
  tokens: readonly Token[],
  at: number,
): Promise<void> {
  const from = partitionAt(tokens, at);
  if (!isWord(tokens[from.next], 'TO')) {
    throw syntaxError(tokens[from.next]?.text ?? '');
  }
  const { name: targetName, end } = readObjectName(tokens, from.next + 1, ctx.host.database);
  const target = ctx.requireTable(targetName);
  if (target === undefined || source.kind !== 'table' || target.kind !== 'table') {
    throw new SqlServerError(
      4902,
      `Cannot find the object "${targetName.name}" because it does not exist or you do not have permissions.`,
    );
  }
  const to = partitionAt(tokens, end);
  const catalog = ctx.host.catalog;
  const sourceFn = catalog.partitionFunctionOf(source);
  const targetFn = catalog.partitionFunctionOf(target);
  const src = display(sourceName);
  const tgt = display(targetName);
  if (from.partition !== undefined && sourceFn === undefined) {
    throw new SqlServerError(
      4964,
      `ALTER TABLE SWITCH statement failed. Table '${src}' is not partitioned while partition number was specified for it.`,
    );
  }
  if (to.partition !== undefined && targetFn === undefined) {
    throw new SqlServerError(
      4964,
      `ALTER TABLE SWITCH statement failed. Table '${tgt}' is not partitioned while partition number was specified for it.`,
    );
  }
  sameShape(source, target, src, tgt);
  const sourceRows =
    from.partition === undefined || sourceFn === undefined || source.partition === undefined
      ? 'TRUE'
      : `${partitionNumberSql(sourceFn, quoteIdent(source.partition.column))} = ${from.partition}`;
  const targetRows =
    to.partition === undefined || targetFn === undefined || target.partition === undefined
      ? 'TRUE'
      : `${partitionNumberSql(targetFn, quoteIdent(target.partition.column))} = ${to.partition}`;
  const waiting = await count(ctx, `SELECT COUNT(*) FROM ${duckTableName(targetName)} WHERE ${targetRows}`);
  if (waiting > 0) {
    throw to.partition === undefined
      ? new SqlServerError(
          4905,
          `ALTER TABLE SWITCH statement failed. The target table '${tgt}' must be empty.`,
        )
      : new SqlServerError(
          4904,
          `ALTER TABLE SWITCH statement failed. The specified partition ${to.partition} of target table '${tgt}' must be empty.`,
        );
  }
  if (to.partition !== undefined && targetFn !== undefined && target.partition !== undefined) {
    if (from.partition !== undefined && sourceFn !== undefined) {
      if (!sameRange(sourceFn, from.partition, targetFn, to.partition)) {
        throw new SqlServerError(
          4972,
          `ALTER TABLE SWITCH statement failed. Check constraints or partition function of source table '${src}' allows values that are not allowed by check constraints or partition function on target table '${tgt}'.`,
        );
      }
    } else {
      await requireCoveringChecks(
        ctx,
        sourceName,
        source,
        target.partition.column,
        targetFn,
        to.partition,
        src,
        tgt,
      );
    }
  }
  await ctx.conn.run(
    `INSERT INTO ${duckTableName(targetName)} BY NAME SELECT * FROM ${duckTableName(sourceName)} WHERE ${sourceRows}`,
  );
  await ctx.conn.run(`DELETE FROM ${duckTableName(sourceName)} WHERE ${sourceRows}`);
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

async function count(ctx: StatementContext, sql: string): Promise<number> {
  const reader = await ctx.conn.runAndReadAll(sql);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** Errors 4943–4947: the two tables must have the same columns in order and the same primary key. */
function sameShape(source: CatalogTable, target: CatalogTable, src: string, tgt: string): void {
  if (source.columns.length !== target.columns.length) {
    throw new SqlServerError(
      4943,
      `ALTER TABLE SWITCH statement failed because table '${src}' has ${source.columns.length} columns and table '${tgt}' has ${target.columns.length} columns.`,
    );
  }
  source.columns.forEach((s, k) => {
    const t = target.columns[k];
    if (t === undefined || t.name.toLowerCase() !== s.name.toLowerCase()) {
      throw new SqlServerError(
        4942,
        `ALTER TABLE SWITCH statement failed because column '${s.name}' at ordinal ${k + 1} in table '${src}' has a different name than the column '${t?.name ?? ''}' at the same ordinal in table '${tgt}'.`,
      );
    }
    if (typeTokensText(s.type) !== typeTokensText(t.type)) {
      throw new SqlServerError(
        4944,
        `ALTER TABLE SWITCH statement failed because column '${s.name}' has data type ${typeTokensText(s.type)} in source table '${src}' which is different from its type ${typeTokensText(t.type)} in target table '${tgt}'.`,
      );
    }
    if (s.nullable !== t.nullable) {
      throw new SqlServerError(
        4945,
        `ALTER TABLE SWITCH statement failed because column '${s.name}' does not have the same nullability attribute in tables '${src}' and '${tgt}'.`,
      );
    }
  });
  const key = (t: CatalogTable): string =>
    (t.primaryKey?.columns ?? []).map((c) => c.toLowerCase()).join(',');
  if (key(source) !== key(target)) {
    throw new SqlServerError(
      4947,
      `ALTER TABLE SWITCH statement failed. There is no identical index in source table '${src}' for the index '${target.primaryKey?.name ?? source.primaryKey?.name ?? ''}' in target table '${tgt}' .`,
    );
  }
}

/** The lower and upper boundary of partition n (undefined at the open ends). */
function rangeOf(fn: PartitionFunction, n: number): { lo: string | undefined; hi: string | undefined } {
  return { lo: n > 1 ? fn.boundaries[n - 2] : undefined, hi: fn.boundaries[n - 1] };
}

function sameRange(a: PartitionFunction, n: number, b: PartitionFunction, m: number): boolean {
  const ra = rangeOf(a, n);
  const rb = rangeOf(b, m);
  return a.rangeRight === b.rangeRight && ra.lo === rb.lo && ra.hi === rb.hi && a.type.name === b.type.name;
}

/** DuckDB SQL for the value just below (-1) or above (+1) a boundary, by the function's type. */
function neighbour(fn: PartitionFunction, boundary: string, step: -1 | 1): string {
  const sign = step < 0 ? '-' : '+';
  switch (fn.type.name) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return `(${boundary} ${sign} 1)`;
    case 'date':
      return `CAST(${boundary} ${sign} INTERVAL 1 DAY AS DATE)`;
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
      return `(${boundary} ${sign} INTERVAL 1 MICROSECOND)`;
    default:
      throw new SqlServerError(
        4982,
        `ALTER TABLE SWITCH into a partition of a ${fn.type.name} partition function is not supported by the emulator (it cannot prove the source's CHECK constraints cover the range).`,
      );
  }
}

/** Error 4982 unless the source's trusted CHECK constraints reject every value outside partition n. */
async function requireCoveringChecks(
  ctx: StatementContext,
  sourceName: ObjectName,
  source: CatalogTable,
  column: string,
  fn: PartitionFunction,
  n: number,
  src: string,
  tgt: string,
): Promise<void> {
  const { lo, hi } = rangeOf(fn, n);
  // Values of other partitions nearest to n's range: RANGE RIGHT is [lo, hi), RANGE LEFT (lo, hi].
  const probes: string[] = [];
  if (lo !== undefined) {
    probes.push(fn.rangeRight ? neighbour(fn, lo, -1) : lo);
  }
  if (hi !== undefined) {
    probes.push(fn.rangeRight ? hi : neighbour(fn, hi, 1));
  }
  const col = source.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (n > 1 && col?.nullable !== false) {
    probes.push('NULL'); // NULL belongs to partition 1
  }
  const predicates = checksOf(ctx.host.catalog, source).filter((c) => c.trusted);
  for (const probe of probes) {
    let rejected = false;
    for (const c of predicates) {
      if ((await probeResult(ctx, sourceName, column, c.predicate, probe)) === 0) {
        rejected = true;
        break;
      }
    }
    if (!rejected) {
      throw new SqlServerError(
        4982,
        `ALTER TABLE SWITCH statement failed. Check constraints of source table '${src}' allow values that are not allowed by range defined by partition ${n} on target table '${tgt}'.`,
      );
    }
  }
}

/** 1 when the predicate holds for a row whose `column` is `probe` (other columns NULL), 0 when false, null when unknown. */
async function probeResult(
  ctx: StatementContext,
  name: ObjectName,
  column: string,
  predicate: readonly Token[],
  probe: string,
): Promise<number | null> {
  const p = tokensText([...predicate]);
  const t = translate(
    tokenize(
      `SELECT CASE WHEN (${p}) THEN 1 WHEN NOT (${p}) THEN 0 END FROM ${quoteIdent(name.schema)}.${quoteIdent(name.name)}`,
    ),
    ctx.env(),
  );
  const table = duckTableName(name);
  const at = t.sql.lastIndexOf(table);
  if (at < 0) {
    throw new SqlServerError(
      4982,
      `ALTER TABLE SWITCH: the emulator could not evaluate the CHECK constraints of '${display(name)}'.`,
    );
  }
  // One row of the table's shape, NULL but for the partition column.
  const row = `(SELECT * REPLACE (CAST(${probe} AS ${await columnType(ctx, table, column)}) AS ${quoteIdent(column)}) FROM (SELECT 1) AS one LEFT JOIN (SELECT * FROM ${table} LIMIT 0) AS e ON TRUE)`;
  const sql = `${t.sql.slice(0, at)}${row}${t.sql.slice(at + table.length)}`;
  const { values, types } = ctx.bindings(t);
  const reader = await ctx.conn.runAndReadAll(sql, values, types);
  const v = reader.getRows()[0]?.[0];
  return v === null || v === undefined ? null : Number(v);
}

async function columnType(ctx: StatementContext, table: string, column: string): Promise<string> {
  const reader = await ctx.conn.runAndReadAll(`SELECT ${quoteIdent(column)} FROM ${table} LIMIT 0`);
  return reader.columnType(0).toString();
}
