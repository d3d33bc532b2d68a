import { hiddenColumnsOf } from './catalog-table.js';
import { alterPartitionStatement, recordSchemeFilegroups } from './partition-range-alter.js';
import { quoteIdent, quoteString } from './sql-quoting.js';
import { SqlServerError, syntaxError } from './sql-server-error.js';
import type { StatementContext } from './statement-context.js';
import { alterTableSwitchOrCheck } from './switch-statement.js';
import { CurCmd, DoneStatus } from './tds/protocol.js';
import { sqlTypeForDuckDB } from './tds/result-types.js';
import { duckTableName, planCreateTable, readObjectName } from './tsql/create-table.js';
import { isName, isOp, isWord, matchParen, type Token, tokenize, tokensText } from './tsql/lexer.js';
import { parseSqlType } from './tsql/parse-sql-type.js';
import { splitArgs, splitTopLevelSql, typeTokensText } from './tsql/statement-shapes.js';
import { translate } from './tsql/translator.js';
import { duckdbStorageType } from './types/sql-type.js';

/** CREATE SCHEMA / TABLE / VIEW / INDEX. */
export async function createStatement(ctx: StatementContext, tokens: readonly Token[]): Promise<void> {
  let i = 1;
  if (isWord(tokens[i], 'OR') && isWord(tokens[i + 1], 'ALTER')) {
    i += 2;
  }
  const what = tokens[i];
  if (isWord(what, 'SCHEMA')) {
    const n = tokens[i + 1] as Token;
    const name = n.kind === 'word' ? n.text : n.value;
    if (ctx.host.catalog.schemaId(name) !== undefined) {
      throw new SqlServerError(2714, `There is already an object named '${name}' in the database.`, {
        state: 6,
      });
    }
    await ctx.conn.run(`CREATE SCHEMA ${quoteIdent(name)}`);
    await ctx.host.catalog.addSchema(ctx.conn, name);
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(what, 'PARTITION') && isWord(tokens[i + 1], 'FUNCTION')) {
    await createPartitionFunction(ctx, tokens, i + 2);
    return;
  }
  if (isWord(what, 'PARTITION') && isWord(tokens[i + 1], 'SCHEME')) {
    await createPartitionScheme(ctx, tokens, i + 2);
    return;
  }
  if (isWord(what, 'TABLE')) {
    const { name } = readObjectName(tokens, i + 1, ctx.host.database);
    if (!name.temp) {
      if (ctx.host.catalog.schemaId(name.schema) === undefined) {
        throw new SqlServerError(
          2760,
          `The specified schema name "${name.schema}" either does not exist or you do not have permission to use it.`,
        );
      }
      if (ctx.host.catalog.table(name.schema, name.name) !== undefined) {
        throw new SqlServerError(2714, `There is already an object named '${name.name}' in the database.`, {
          state: 6,
        });
      }
    }
    const plan = planCreateTable(
      tokens,
      ctx.host.database,
      ctx.host.catalog.newObjectId(),
      (expr) => translate(expr, ctx.env()).sql,
    );
    const partition = plan.table.partition;
    if (partition !== undefined) {
      if (ctx.host.catalog.partitionScheme(partition.scheme) === undefined) {
        throw new SqlServerError(1921, `Invalid partition scheme '${partition.scheme}' specified.`);
      }
      if (!plan.table.columns.some((c) => c.name.toLowerCase() === partition.column.toLowerCase())) {
        throw new SqlServerError(
          1911,
          `Column name '${partition.column}' does not exist in the target table or view.`,
        );
      }
    }
    for (const ddl of plan.ddl) {
      await ctx.conn.run(ddl);
    }
    if (!name.temp) {
      await ctx.host.catalog.addTable(ctx.conn, plan.table);
    }
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(what, 'VIEW')) {
    const { name, end } = readObjectName(tokens, i + 1, ctx.host.database);
    if (!isWord(tokens[end], 'AS')) {
      throw syntaxError(tokens[end]?.text ?? '');
    }
    const t = translate(tokens.slice(end + 1), ctx.env());
    const replace = i > 1 ? 'OR REPLACE ' : '';
    await ctx.conn.run(`CREATE ${replace}VIEW ${duckTableName(name)} AS ${t.sql}`);
    const prepared = await ctx.conn.prepare(`SELECT * FROM ${duckTableName(name)}`);
    const columns = [];
    for (let c = 0; c < prepared.columnCount; c++) {
      columns.push({
        columnId: c + 1,
        name: prepared.columnName(c),
        type: sqlTypeForDuckDB(prepared.columnType(c)),
        sysname: false,
        nullable: true,
        identity: false,
        defaultText: undefined,
      });
    }
    prepared.destroySync();
    if (replace !== '') {
      await ctx.host.catalog.dropTable(ctx.conn, name.schema, name.name);
    }
    await ctx.host.catalog.addTable(ctx.conn, {
      objectId: ctx.host.catalog.newObjectId(),
      schema: name.schema,
      name: name.name,
      kind: 'view',
      columns,
      primaryKey: undefined,
      identitySequence: undefined,
    });
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(what, 'UNIQUE') && !isWord(tokens[i + 1], 'CLUSTERED')) {
    await createUniqueIndex(ctx, tokens, i + (isWord(tokens[i + 1], 'NONCLUSTERED') ? 2 : 1));
    return;
  }
  if (
    isWord(what, 'INDEX') ||
    isWord(what, 'UNIQUE') ||
    isWord(what, 'CLUSTERED') ||
    isWord(what, 'NONCLUSTERED') ||
    isWord(what, 'STATISTICS')
  ) {
    // Other indexes change no results; DuckDB scans are fast enough without them.
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  throw new SqlServerError(
    102,
    `Incorrect syntax near '${what?.text ?? ''}'. CREATE ${what?.text ?? ''} is not supported by the emulator.`,
    { severity: 15 },
  );
}

/**
 * `CREATE UNIQUE [NONCLUSTERED] INDEX name ON table (cols) [INCLUDE (…)] [WHERE …] [WITH …]`
 * (`at` is the INDEX keyword): listed in `sys.indexes` / `sys.index_columns`, not enforced.
 */
async function createUniqueIndex(ctx: StatementContext, tokens: readonly Token[], at: number): Promise<void> {
  if (!isWord(tokens[at], 'INDEX')) {
    throw syntaxError(tokens[at]?.text ?? '');
  }
  const n = tokens[at + 1];
  if (n === undefined || !isName(n) || !isWord(tokens[at + 2], 'ON')) {
    throw syntaxError(tokens[at + 2]?.text ?? '');
  }
  const indexName = n.kind === 'word' ? n.text : n.value;
  const { name, end } = readObjectName(tokens, at + 3, ctx.host.database);
  const table = name.temp ? undefined : ctx.host.catalog.table(name.schema, name.name);
  if (!isOp(tokens[end], '(')) {
    throw syntaxError(tokens[end]?.text ?? '');
  }
  const close = matchParen(tokens, end);
  const columns = splitArgs(tokens.slice(end + 1, close), 0).map((part) => {
    const c = part[0];
    return c === undefined ? '' : c.kind === 'word' ? c.text : c.value;
  });
  if (name.temp) {
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (table === undefined || table.kind !== 'table') {
    throw new SqlServerError(
      1088,
      `Cannot find the object "${name.name}" because it does not exist or you do not have permissions.`,
      { severity: 16 },
    );
  }
  for (const col of columns) {
    const found = table.columns.find((x) => x.name.toLowerCase() === col.toLowerCase());
    if (found === undefined) {
      throw new SqlServerError(1911, `Column name '${col}' does not exist in the target table or view.`);
    }
  }
  const all = [table.primaryKey?.name, ...(table.uniqueIndexes ?? []).map((x) => x.name)];
  if (all.some((x) => x?.toLowerCase() === indexName.toLowerCase())) {
    throw new SqlServerError(
      1913,
      `The operation failed because an index or statistics with name '${indexName}' already exists on table '${name.schema}.${name.name}'.`,
    );
  }
  let k = close + 1;
  if (isWord(tokens[k], 'INCLUDE') && isOp(tokens[k + 1], '(')) {
    k = matchParen(tokens, k + 1) + 1;
  }
  let filter: string | undefined;
  if (isWord(tokens[k], 'WHERE')) {
    let e = k + 1;
    while (
      e < tokens.length &&
      !isWord(tokens[e], 'WITH') &&
      !isWord(tokens[e], 'ON') &&
      !isOp(tokens[e], ';')
    ) {
      e++;
    }
    // SQL Server keeps the predicate parenthesised, its column names bracketed, in filter_definition.
    const predicate = tokens.slice(k + 1, e).map((t) => {
      const col = isName(t)
        ? table.columns.find(
            (x) => x.name.toLowerCase() === (t.kind === 'word' ? t.text : t.value).toLowerCase(),
          )
        : undefined;
      return col === undefined ? t : { ...t, text: `[${col.name.replace(/]/g, ']]')}]` };
    });
    filter = `(${tokensText(predicate)})`;
  }
  await ctx.host.catalog.addUniqueIndex(ctx.conn, table, {
    name: indexName,
    columns,
    constraint: false,
    filter,
  });
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

/** `DROP INDEX [IF EXISTS] name ON table` or `DROP INDEX table.name`: forgets a unique index. */
async function dropIndex(
  ctx: StatementContext,
  tokens: readonly Token[],
  i: number,
  ifExists: boolean,
): Promise<void> {
  const nameOf = (t: Token | undefined): string =>
    t === undefined ? '' : t.kind === 'word' ? t.text : t.value;
  let indexName: string;
  let tableName: { schema: string; name: string; temp: boolean };
  if (isWord(tokens[i + 1], 'ON')) {
    indexName = nameOf(tokens[i]);
    tableName = readObjectName(tokens, i + 2, ctx.host.database).name;
  } else {
    // table.index or schema.table.index: the last part names the index.
    let e = i;
    while (isOp(tokens[e + 1], '.')) {
      e += 2;
    }
    indexName = nameOf(tokens[e]);
    const parts = [];
    for (let k = i; k < e; k += 2) {
      parts.push(nameOf(tokens[k]));
    }
    tableName = {
      schema: parts.length > 1 ? (parts[parts.length - 2] as string) : 'dbo',
      name: parts[parts.length - 1] ?? '',
      temp: false,
    };
  }
  const table = tableName.temp ? undefined : ctx.host.catalog.table(tableName.schema, tableName.name);
  const dropped = table !== undefined && (await ctx.host.catalog.dropUniqueIndex(ctx.conn, table, indexName));
  if (!dropped && table === undefined && !ifExists && !tableName.temp) {
    throw new SqlServerError(
      3701,
      `Cannot drop the index '${tableName.name}.${indexName}', because it does not exist or you do not have permission.`,
      { severity: 11, state: 7 },
    );
  }
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

/** DROP TABLE / VIEW / SCHEMA / INDEX. */
export async function dropStatement(ctx: StatementContext, tokens: readonly Token[]): Promise<void> {
  const what = tokens[1];
  let i = 2;
  let ifExists = false;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) {
    ifExists = true;
    i += 2;
  }
  if (isWord(what, 'PARTITION') && (isWord(tokens[2], 'FUNCTION') || isWord(tokens[2], 'SCHEME'))) {
    const n = tokens[3] as Token;
    const name = n.kind === 'word' ? n.text : n.value;
    const catalog = ctx.host.catalog;
    if (isWord(tokens[2], 'FUNCTION')) {
      if (catalog.partitionFunction(name) === undefined) {
        throw new SqlServerError(
          7705,
          `Cannot drop the partition function '${name}', because it does not exist.`,
          {
            severity: 11,
          },
        );
      }
      await catalog.dropPartitionFunction(ctx.conn, name);
    } else {
      if (catalog.partitionScheme(name) === undefined) {
        throw new SqlServerError(
          7717,
          `Cannot drop the partition scheme '${name}', because it does not exist.`,
          {
            severity: 11,
          },
        );
      }
      await catalog.dropPartitionScheme(ctx.conn, name);
    }
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(what, 'TABLE') || isWord(what, 'VIEW')) {
    const view = isWord(what, 'VIEW');
    for (;;) {
      const { name, end } = readObjectName(tokens, i, ctx.host.database);
      const table = name.temp ? undefined : ctx.host.catalog.table(name.schema, name.name);
      if (!name.temp && (table === undefined || (table.kind === 'view') !== view)) {
        if (!ifExists) {
          throw new SqlServerError(
            3701,
            `Cannot drop the ${view ? 'view' : 'table'} '${name.schema === 'dbo' ? name.name : `${name.schema}.${name.name}`}', because it does not exist or you do not have permission.`,
            { severity: 11, state: 5 },
          );
        }
      } else {
        await ctx.conn.run(`DROP ${view ? 'VIEW' : 'TABLE'} IF EXISTS ${duckTableName(name)}`);
        if (table?.identitySequence !== undefined) {
          await ctx.conn.run(`DROP SEQUENCE IF EXISTS ${table.identitySequence}`);
        }
        if (!name.temp) {
          await ctx.host.catalog.dropTable(ctx.conn, name.schema, name.name);
        }
      }
      if (!isOp(tokens[end], ',')) {
        break;
      }
      i = end + 1;
    }
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(what, 'SCHEMA')) {
    const n = tokens[i] as Token;
    const name = n.kind === 'word' ? n.text : n.value;
    if (ctx.host.catalog.schemaId(name) === undefined) {
      if (!ifExists) {
        throw new SqlServerError(
          3701,
          `Cannot drop the schema '${name}', because it does not exist or you do not have permission.`,
          {
            severity: 11,
          },
        );
      }
    } else {
      await ctx.conn.run(`DROP SCHEMA ${quoteIdent(name)}`);
      await ctx.host.catalog.dropSchema(ctx.conn, name);
    }
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(what, 'INDEX')) {
    await dropIndex(ctx, tokens, i, ifExists);
    return;
  }
  if (isWord(what, 'STATISTICS')) {
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  throw new SqlServerError(102, `DROP ${what?.text ?? ''} is not supported by the emulator.`, {
    severity: 15,
  });
}

/**
 * ALTER TABLE … ADD column / DROP COLUMN (other alterations change no results); ALTER PARTITION
 * FUNCTION / SCHEME (partition-range-alter.ts).
 */
export async function alterStatement(ctx: StatementContext, tokens: readonly Token[]): Promise<void> {
  if (isWord(tokens[1], 'PARTITION')) {
    await alterPartitionStatement(ctx, tokens);
    return;
  }
  if (!isWord(tokens[1], 'TABLE')) {
    throw new SqlServerError(102, `ALTER ${tokens[1]?.text ?? ''} is not supported by the emulator.`, {
      severity: 15,
    });
  }
  const { name, end } = readObjectName(tokens, 2, ctx.host.database);
  const table = ctx.requireTable(name);
  if (table === undefined) {
    throw new SqlServerError(102, 'ALTER TABLE on temp tables is not supported by the emulator.', {
      severity: 15,
    });
  }
  if (await alterTableSwitchOrCheck(ctx, name, table, tokens, end)) {
    return;
  }
  const action = tokens[end];
  if (
    isWord(action, 'ADD') &&
    !isWord(tokens[end + 1], 'CONSTRAINT') &&
    !isWord(tokens[end + 1], 'PRIMARY')
  ) {
    // ADD col type …[, col type …]: plan it as a one-table CREATE and append the columns.
    let i = end + 1;
    if (isWord(tokens[i], 'COLUMN')) {
      i++;
    }
    const defTokens = tokens.slice(i);
    const fake = tokenize(
      `CREATE TABLE ${quoteIdent(name.schema)}.${quoteIdent(name.name)} (${tokensText(defTokens)})`,
    );
    const plan = planCreateTable(
      fake,
      ctx.host.database,
      table.objectId,
      (expr) => translate(expr, ctx.env()).sql,
    );
    // The CREATE TABLE comes after identity sequences and before key indexes (create-table.ts).
    const createdAt = plan.ddl.findIndex((d) => /^CREATE (?:TEMP )?TABLE /.test(d));
    const created = plan.ddl[createdAt] as string;
    const inner = created.slice(created.indexOf('(') + 1, created.lastIndexOf(')'));
    for (const ddl of plan.ddl.slice(0, createdAt)) {
      await ctx.conn.run(ddl);
    }
    for (const colDef of splitTopLevelSql(inner)) {
      if (/^PRIMARY KEY|^UNIQUE/.test(colDef)) {
        continue;
      }
      // DuckDB cannot add a column with constraints; keep type and default only.
      const simple = colDef.replace(/ NOT NULL/, '').replace(/ CHECK \(.*\)$/, '');
      await ctx.conn.run(`ALTER TABLE ${duckTableName(name)} ADD COLUMN ${simple}`);
    }
    const columns = [...table.columns];
    for (const c of plan.table.columns) {
      columns.push({ ...c, columnId: columns.length + 1 });
    }
    await ctx.host.catalog.replaceTable(ctx.conn, { ...table, columns });
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (isWord(action, 'DROP') && isWord(tokens[end + 1], 'COLUMN')) {
    const n = tokens[end + 2] as Token;
    const col = n.kind === 'word' ? n.text : n.value;
    await ctx.conn.run(`ALTER TABLE ${duckTableName(name)} DROP COLUMN ${quoteIdent(col)}`);
    const dropped = table.columns.find((c) => c.name.toLowerCase() === col.toLowerCase());
    for (const hiddenColumn of dropped === undefined ? [] : hiddenColumnsOf(dropped)) {
      await ctx.conn.run(`ALTER TABLE ${duckTableName(name)} DROP COLUMN ${quoteIdent(hiddenColumn)}`);
    }
    const columns = table.columns
      .filter((c) => c.name.toLowerCase() !== col.toLowerCase())
      .map((c, k) => ({ ...c, columnId: k + 1 }));
    await ctx.host.catalog.replaceTable(ctx.conn, { ...table, columns });
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  // ADD CONSTRAINT / CHECK / NOCHECK and the like change no results in the emulator.
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

function nameAt(tokens: readonly Token[], i: number): string {
  const t = tokens[i];
  if (t === undefined || !isName(t)) {
    throw syntaxError(t?.text ?? '');
  }
  return t.kind === 'word' ? t.text : t.value;
}

/** `CREATE PARTITION FUNCTION name (type) AS RANGE [LEFT|RIGHT] FOR VALUES (v, …)` from `tokens[i]` on. */
async function createPartitionFunction(
  ctx: StatementContext,
  tokens: readonly Token[],
  i: number,
): Promise<void> {
  const name = nameAt(tokens, i);
  if (ctx.host.catalog.partitionFunction(name) !== undefined) {
    throw new SqlServerError(2714, `There is already an object named '${name}' in the database.`, {
      state: 6,
    });
  }
  if (!isOp(tokens[i + 1], '(')) {
    throw syntaxError(tokens[i + 1]?.text ?? name);
  }
  const parsed = parseSqlType(tokens, i + 2);
  let j = parsed.end + 1;
  if (!isWord(tokens[j], 'AS') || !isWord(tokens[j + 1], 'RANGE')) {
    throw syntaxError(tokens[j]?.text ?? '');
  }
  j += 2;
  let rangeRight = false;
  if (isWord(tokens[j], 'LEFT') || isWord(tokens[j], 'RIGHT')) {
    rangeRight = isWord(tokens[j], 'RIGHT');
    j++;
  }
  if (!isWord(tokens[j], 'FOR') || !isWord(tokens[j + 1], 'VALUES') || !isOp(tokens[j + 2], '(')) {
    throw syntaxError(tokens[j]?.text ?? '');
  }
  const close = matchParen(tokens, j + 2);
  const values = splitArgs(tokens.slice(j + 3, close), 0).filter((v) => v.length > 0);
  // Each boundary converted as SQL Server converts it to the parameter type, kept as text.
  const declaration = typeTokensText(parsed.type);
  const texts: string[] = [];
  for (const v of values) {
    const t = translate(
      tokenize(`SELECT CAST(CAST((${tokensText(v)}) AS ${declaration}) AS nvarchar(4000))`),
      ctx.env(),
    );
    const { values: bound, types } = ctx.bindings(t);
    const reader = await ctx.conn.runAndReadAll(t.sql, bound, types);
    texts.push(String(reader.getRows()[0]?.[0] ?? ''));
  }
  const storage = duckdbStorageType(parsed.type);
  await ctx.host.catalog.addPartitionFunction(ctx.conn, {
    functionId: ctx.host.catalog.newFunctionId(),
    name,
    type: parsed.type,
    rangeRight,
    boundaries: texts.map((x) => `CAST(${quoteString(x)} AS ${storage})`),
    boundaryTexts: texts,
  });
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

/** `CREATE PARTITION SCHEME name AS PARTITION fn [ALL] TO (filegroups)` from `tokens[i]` on. */
async function createPartitionScheme(
  ctx: StatementContext,
  tokens: readonly Token[],
  i: number,
): Promise<void> {
  const name = nameAt(tokens, i);
  if (!isWord(tokens[i + 1], 'AS') || !isWord(tokens[i + 2], 'PARTITION')) {
    throw syntaxError(tokens[i + 1]?.text ?? name);
  }
  const functionName = nameAt(tokens, i + 3);
  if (ctx.host.catalog.partitionFunction(functionName) === undefined) {
    throw new SqlServerError(7707, `Invalid partition function '${functionName}' specified.`);
  }
  if (ctx.host.catalog.partitionScheme(name) !== undefined) {
    throw new SqlServerError(2714, `There is already an object named '${name}' in the database.`, {
      state: 6,
    });
  }
  const scheme = { dataSpaceId: ctx.host.catalog.newDataSpaceId(), name, functionName };
  await ctx.host.catalog.addPartitionScheme(ctx.conn, scheme);
  const all = isWord(tokens[i + 4], 'ALL');
  const open = all ? i + 6 : i + 5;
  const filegroups = isOp(tokens[open], '(')
    ? splitArgs(tokens.slice(open + 1, matchParen(tokens, open)), 0).length
    : 1;
  const partitions = (ctx.host.catalog.partitionFunction(functionName)?.boundaries.length ?? 0) + 1;
  recordSchemeFilegroups(scheme, { all, filegroups, partitions });
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}
