import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { CatalogColumn } from '../catalog-table.js';
import { needsHiddenDigit } from '../catalog-table.js';
import { streamResult } from '../result-stream.js';
import { quoteString } from '../sql-quoting.js';
import { SqlServerError } from '../sql-server-error.js';
import { CurCmd, DoneStatus } from '../tds/protocol.js';
import { sqlTypeForDuckDB, storageMatches } from '../tds/result-types.js';
import { duckTableName, readObjectName } from '../tsql/create-table.js';
import { type RewriteContext, rewriteDelete, rewriteInsert, rewriteUpdate } from '../tsql/dml-rewrites.js';
import { isWord, itemRanges, type Token, tokenize } from '../tsql/lexer.js';
import { selectListBounds } from '../tsql/select-list.js';
import { findSelectInto, mainKeyword, rewriteOutput, selectAssignments } from '../tsql/statement-shapes.js';
import type { Translation } from '../tsql/translation.js';
import { translate } from '../tsql/translator.js';
import type { SessionContext } from './session-context.js';
import { assign } from './variable-statements.js';

/**
 * Row counts behind sys.partitions are computed when a statement reads them.
 *
 * @example
 * await refreshRowCounts(ctx, tokenize('SELECT * FROM sys.partitions'));
 */
export async function refreshRowCounts(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  // Names only: upper-casing every token's value would copy each string literal (10 MiB ones too).
  const reads = tokens.some(
    (x) =>
      (x.kind === 'word' || x.kind === 'quoted') &&
      /^(PARTITIONS|DM_DB_PARTITION_STATS)$/i.test(x.kind === 'word' ? x.upper : x.value),
  );
  if (reads) {
    await ctx.host.catalog.refreshRowCounts(ctx.conn);
  }
}

/**
 * Runs a single-value query (conditions, PRINT, variable assignment): the first column of the
 * first row, or null.
 *
 * @example
 * await scalar(ctx, tokenize('SELECT 1 + 1')) // 2
 */
export async function scalar(ctx: SessionContext, tokens: readonly Token[]): Promise<DuckDBValue> {
  await refreshRowCounts(ctx, tokens);
  const t = translate(tokens, ctx.env());
  const { values, types } = ctx.bindings(t);
  const reader = await ctx.conn.runAndReadAll(t.sql, values, types);
  return reader.getRows()[0]?.[0] ?? null;
}

/** The CurCmd of a DONE token for a statement's main keyword. */
const curCmdOf: Readonly<Record<string, number>> = {
  INSERT: CurCmd.Insert,
  UPDATE: CurCmd.Update,
  DELETE: CurCmd.Delete,
  MERGE: CurCmd.Update,
};

/** The statement rewritten for DuckDB (INSERT/UPDATE/DELETE shapes, OUTPUT → RETURNING). */
function rewriteDml(
  ctx: SessionContext,
  main: string,
  tokens: Token[],
): { tokens: Token[]; returning: boolean } {
  const rewrite: RewriteContext = {
    catalog: ctx.host.catalog,
    database: ctx.host.database,
    variables: ctx.variables,
  };
  let rewritten = tokens;
  if (main === 'INSERT') {
    rewritten = rewriteInsert(rewrite, tokens);
  } else if (main === 'UPDATE') {
    rewritten = rewriteUpdate(rewrite, tokens);
  } else if (main === 'DELETE') {
    rewritten = rewriteDelete(tokens);
  }
  return rewriteOutput(rewritten);
}

/**
 * Runs a SELECT / WITH / INSERT / UPDATE / DELETE / MERGE statement: rows are streamed to the
 * client, DML counts go into the DONE token, `SELECT … INTO` and `SELECT @v = …` take their own
 * paths.
 *
 * @example
 * await queryStatement(ctx, 'SELECT', tokenize('SELECT 1 AS one'));
 */
export async function queryStatement(
  ctx: SessionContext,
  head: string,
  input: readonly Token[],
): Promise<void> {
  let tokens = [...input];
  let returnsRows = head === 'SELECT' || head === 'WITH';
  const main = head === 'WITH' ? mainKeyword(tokens) : head;
  const curCmd = curCmdOf[main] ?? CurCmd.Select;
  if (main !== 'SELECT') {
    const output = rewriteDml(ctx, main, tokens);
    tokens = output.tokens;
    returnsRows = output.returning;
  } else {
    const into = findSelectInto(tokens);
    if (into !== undefined) {
      await selectInto(ctx, tokens, into);
      return;
    }
    const assigned = selectAssignments(tokens);
    if (assigned !== undefined) {
      await selectAssign(ctx, assigned.tokens, assigned.variables);
      return;
    }
  }
  await refreshRowCounts(ctx, tokens);
  const t = translate(tokens, ctx.env(), { bindLongStrings: true });
  const run = async (tr: Translation): Promise<void> => {
    if (returnsRows && ctx.output?.writer !== undefined) {
      const rows = await streamResult(ctx, tr);
      ctx.lastRowCount = rows;
      ctx.done(DoneStatus.Count, curCmd, rows);
      return;
    }
    const { values, types } = ctx.bindings(tr);
    const r = await ctx.conn.run(tr.sql, values, types);
    const count = returnsRows ? (await r.getRows()).length : r.rowsChanged;
    ctx.lastRowCount = count;
    if (main === 'INSERT') {
      await captureIdentity(ctx, tokens);
    }
    ctx.done(DoneStatus.Count, curCmd, count);
  };
  try {
    await run(t);
  } catch (e) {
    // T-SQL's '+' also concatenates strings; retry with '||' when DuckDB rejects '+' on text.
    const msg = e instanceof Error ? e.message : '';
    if (/\+\((VARCHAR|STRING_LITERAL)|\+\([A-Z_]+, (VARCHAR|STRING_LITERAL)\)/.test(msg)) {
      await run(translate(tokens, ctx.env(), { concatMode: true, bindLongStrings: true }));
      return;
    }
    throw e;
  }
}

/** After an INSERT: the identity value it drew, for `SCOPE_IDENTITY()` / `@@IDENTITY`. */
async function captureIdentity(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const i = tokens.findIndex((t) => isWord(t, 'INTO'));
  if (i < 0) {
    return;
  }
  const { name } = readObjectName(tokens, i + 1, ctx.host.database);
  const table = name.temp ? undefined : ctx.host.catalog.table(name.schema, name.name);
  if (table?.identitySequence === undefined) {
    return;
  }
  try {
    const r = await ctx.conn.runAndReadAll(`SELECT currval(${quoteString(table.identitySequence)})`);
    const v = r.getRows()[0]?.[0];
    if (typeof v === 'bigint') {
      ctx.lastIdentity = v;
    }
  } catch {
    // No value drawn yet in this session (explicit ids were inserted).
  }
}

/** The catalog columns of a `SELECT … INTO` result, typed by declaration where the translation knows it. */
function intoColumns(
  t: Translation,
  prepared: { columnCount: number; columnType(c: number): DuckDBType; columnName(c: number): string },
): CatalogColumn[] {
  const columns: CatalogColumn[] = [];
  for (let c = 0; c < prepared.columnCount; c++) {
    const dt = prepared.columnType(c);
    const hint = t.hints?.[c];
    const byName = t.columnTypes.get(prepared.columnName(c).toLowerCase());
    const type =
      hint !== undefined && storageMatches(hint, dt)
        ? hint
        : byName !== undefined && storageMatches(byName, dt)
          ? byName
          : sqlTypeForDuckDB(dt);
    columns.push({
      columnId: c + 1,
      name: prepared.columnName(c),
      type,
      sysname: false,
      nullable: true,
      identity: false,
      defaultText: undefined,
    });
  }
  // A hidden `<col>__100ns` / `<col>__tz` result column stays in DuckDB as the new column's
  // digit / offset store.
  for (const c of [...columns]) {
    const m = c.name.match(/^(.*)__(100ns|tz)$/i);
    const base =
      m === null ? undefined : columns.find((x) => x.name.toLowerCase() === (m[1] as string).toLowerCase());
    if (base === undefined) {
      continue;
    }
    const digit = m?.[2]?.toLowerCase() === '100ns';
    if (digit ? needsHiddenDigit(base.type) : base.type.name === 'datetimeoffset') {
      columns.splice(columns.indexOf(c), 1);
      columns.splice(columns.indexOf(base), 1, digit ? { ...base, ns100: c.name } : { ...base, tz: c.name });
    }
  }
  return columns.map((c, k) => ({ ...c, columnId: k + 1 }));
}

/** SELECT … INTO new_table FROM …: creates the table from the result's types. */
async function selectInto(ctx: SessionContext, tokens: Token[], intoAt: number): Promise<void> {
  const { name, end } = readObjectName(tokens, intoAt + 1, ctx.host.database);
  const rest = [...tokens.slice(0, intoAt), ...tokens.slice(end)];
  const t = translate(rest, ctx.env());
  const { values, types } = ctx.bindings(t);
  const prepared = await ctx.conn.prepare(t.sql);
  const columns = intoColumns(t, prepared);
  prepared.destroySync();
  const r = await ctx.conn.run(
    `CREATE ${name.temp ? 'TEMP ' : ''}TABLE ${duckTableName(name)} AS ${t.sql}`,
    values,
    types,
  );
  if (!name.temp) {
    await ctx.host.catalog.addTable(ctx.conn, {
      objectId: ctx.host.catalog.newObjectId(),
      schema: name.schema,
      name: name.name,
      kind: 'table',
      columns,
      primaryKey: undefined,
      identitySequence: undefined,
    });
  }
  ctx.done(DoneStatus.Count, CurCmd.Select, r.rowsChanged);
}

/** The alias of the k-th item of a `SELECT @v = …` whose 100 ns digit / offset is read back. */
function digitAlias(k: number): string {
  return `__sel_${k}`;
}

/**
 * The assignment SELECT (targets removed) with each item assigned to a datetime2(7) / time(7) /
 * datetimeoffset variable aliased, so that the translation's `<alias>__100ns` / `<alias>__tz`
 * columns say which item a 100 ns digit or an offset belongs to.
 */
function withDigitAliases(ctx: SessionContext, tokens: Token[], variables: readonly string[]): Token[] {
  const selectAt = tokens.findIndex((x) => isWord(x, 'SELECT'));
  const { start, end } = selectListBounds(tokens, selectAt);
  const items = itemRanges(tokens, start, end);
  const out = [...tokens];
  // From the last item back, so earlier positions stay valid.
  for (let k = items.length - 1; k >= 0; k--) {
    const type = ctx.variables.get(variables[k] ?? '')?.type;
    const item = items[k];
    if (
      item !== undefined &&
      type !== undefined &&
      (needsHiddenDigit(type) || type.name === 'datetimeoffset')
    ) {
      out.splice(item[1], 0, ...tokenize(`AS ${digitAlias(k)}`));
    }
  }
  return out;
}

/** `SELECT @a = expr, @b = expr FROM …`: the last row's values are assigned. */
async function selectAssign(ctx: SessionContext, tokens: Token[], variables: string[]): Promise<void> {
  const t = translate(withDigitAliases(ctx, tokens, variables), ctx.env());
  const { values, types } = ctx.bindings(t);
  const reader = await ctx.conn.runAndReadAll(t.sql, values, types);
  const rows = reader.getRows();
  const last = rows[rows.length - 1];
  const names = reader.columnNames();
  if (last !== undefined) {
    for (const [k, v] of variables.entries()) {
      const current = ctx.variables.get(v);
      if (current === undefined) {
        throw new SqlServerError(137, `Must declare the scalar variable "@${v}".`, {
          severity: 15,
          state: 2,
        });
      }
      // Convert through the variable's declared type.
      const holder = `__sel_${k}`;
      const digitAt = names.indexOf(`${digitAlias(k)}__100ns`);
      const offsetAt = names.indexOf(`${digitAlias(k)}__tz`);
      ctx.variables.set(holder, {
        type: current.type,
        duckType: reader.columnTypes()[k] as DuckDBType,
        duck: last[k] ?? null,
        js: null,
        ...(digitAt < 0 || last[k] === null ? {} : { digit: Number(last[digitAt] ?? 0) }),
        ...(offsetAt < 0 || last[k] === null ? {} : { offsetMinutes: Number(last[offsetAt] ?? 0) }),
      });
      await assign(ctx, v, current.type, tokenize(`@${holder}`));
      ctx.variables.delete(holder);
    }
  }
  ctx.lastRowCount = rows.length;
  ctx.done(DoneStatus.Count, CurCmd.Select, rows.length);
}
