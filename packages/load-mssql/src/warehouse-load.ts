import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type SourceSchema, SqlSyncError } from '@sync/core';
import type { SourcePartitionScheme } from '@sync/extract-mssql';
import { type LakeColumn, type LakeRows, parquetFiles } from './lake-rows.js';
import { dropLeftoverStaging, StagingNames } from './staging-tables.js';
import {
  bulkColumn,
  quoteName,
  textTransfer,
  type WarehouseColumn,
  warehouseColumns,
} from './warehouse-columns.js';
import type { WarehouseConnection } from './warehouse-connection.js';
import {
  boundaryLiteral,
  checkWarehouseTable,
  createTableSql,
  createWarehouseTable,
  tableName,
  type WarehouseTableSpec,
  warehousePartitionNames,
} from './warehouse-table.js';

/** One table to load into the warehouse after the lake published it. */
export interface WarehouseLoadRequest {
  /** `schema.table` of the source, for messages. */
  readonly tableId: string;
  readonly kind: 'partition' | 'scd' | 'static';
  /** The warehouse table. */
  readonly schema: string;
  readonly table: string;
  /** The lake table's directory (`<lake>/<target_schema>/<target_table>`). */
  readonly lakeDir: string;
  /** The source's columns: the warehouse columns of the same names get their exact types. */
  readonly source: SourceSchema;
  /** The warehouse table's primary key (the source's for partition and static tables). */
  readonly primaryKey: readonly string[];
  /** The source's partition scheme (partition tables on one): switching needs the warehouse aligned to it. */
  readonly partitioning?: SourcePartitionScheme;
  /** Partition tables: the lake partition directories this run replaced. */
  readonly replacedPartitions?: readonly string[];
  /** Partition tables: true when this run removed lake partitions. */
  readonly removedPartitions?: boolean;
  readonly runId: string;
  /** Rows per bulk load message. */
  readonly batchSize: number;
  /** Switch partitions when the warehouse table is aligned (else delete and insert). */
  readonly partitionSwitching: boolean;
  /**
   * The run changed nothing in the lake table: an existing warehouse table is only checked; a
   * missing one is created and loaded whole. Defaults to false.
   */
  readonly unchanged?: boolean;
}

/** What a load did, for the run summary. */
export interface WarehouseLoadResult {
  /** `switch`: partitions switched in; `merge`: one MERGE of a staging table; `replace`: DELETE + INSERT of a staging table; `unchanged`: nothing to load. */
  readonly mode: 'switch' | 'merge' | 'replace' | 'unchanged';
  /** True when the warehouse table was created by this load. */
  readonly created: boolean;
  /** Rows bulk-loaded into staging tables. */
  readonly rows: number;
  readonly partitionsSwitched: number;
  readonly partitionsEmptied: number;
}

/** Lake partition directories (`<key>=<value>`) of a partition table. */
async function partitionDirs(lakeDir: string): Promise<string[]> {
  const entries = await readdir(lakeDir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && e.name.includes('=')).map((e) => join(lakeDir, e.name));
}

/**
 * The warehouse table spec of a request: the lake's columns typed from the source.
 *
 * @example
 * const spec = await warehouseSpec(lake, request);
 */
export async function warehouseSpec(
  lake: LakeRows,
  request: WarehouseLoadRequest,
): Promise<{ spec: WarehouseTableSpec; lakeColumns: LakeColumn[] }> {
  const files = await parquetFiles(request.lakeDir);
  const lakeColumns =
    files.length > 0
      ? await lake.columns(files)
      : request.source.columns.map((c) => ({ name: c.name, type: 'VARCHAR' }));
  const columns = warehouseColumns(lakeColumns, request.source.columns);
  return {
    spec: {
      schema: request.schema,
      table: request.table,
      columns,
      primaryKey: request.primaryKey,
      ...(request.partitioning === undefined ? {} : { partitioning: request.partitioning }),
    },
    lakeColumns,
  };
}

/**
 * Loads one lake table into the warehouse. First drops staging tables an earlier run left, then
 * checks the warehouse table against the lake's columns (failing with `DESTINATION_SCHEMA`,
 * naming every mismatch, before any data moves) or creates it. A partition table aligned with
 * its source's partition function gets each replaced partition by switching (one transaction per
 * partition: staging table bulk-loaded and CHECK-constrained to the partition's range, old
 * partition switched out to a trash table, staging switched in, trash dropped); partitions the
 * lake no longer has are switched out. Other tables are bulk-loaded into a staging table and
 * applied in one transaction: one MERGE on the primary key, or DELETE + INSERT without one.
 * Staging tables are dropped on success and failure.
 *
 * @example
 * const result = await loadWarehouseTable(dw, lake, { tableId: 'sales.Orders', kind: 'partition', … });
 */
export async function loadWarehouseTable(
  dw: WarehouseConnection,
  lake: LakeRows,
  request: WarehouseLoadRequest,
): Promise<WarehouseLoadResult> {
  await dropLeftoverStaging(dw, request.schema, request.table);
  const { spec, lakeColumns } = await warehouseSpec(lake, request);
  const check = await checkWarehouseTable(dw, spec);
  if (check.mismatches.length > 0) {
    throw new SqlSyncError(
      'DESTINATION_SCHEMA',
      `${request.tableId}: the warehouse table ${request.schema}.${request.table} does not match the lake; nothing loaded: ${check.mismatches.join('; ')}`,
      { context: { table: request.tableId, configPath: 'destination' } },
    );
  }
  if (check.exists && request.unchanged === true) {
    return { mode: 'unchanged', created: false, rows: 0, partitionsSwitched: 0, partitionsEmptied: 0 };
  }
  const switching =
    request.kind === 'partition' && request.partitionSwitching && request.partitioning !== undefined;
  if (!check.exists) {
    await createWarehouseTable(dw, spec, switching);
  }
  const names = new StagingNames(request.schema, request.table, request.runId);
  if (switching && (check.switchable || !check.exists) && request.partitioning !== undefined) {
    // A table created now has none of the lake's partitions yet: each is switched in.
    const replaced = check.exists ? (request.replacedPartitions ?? []) : await partitionDirs(request.lakeDir);
    let rows = 0;
    let switched = 0;
    for (const dir of replaced) {
      const loaded = await switchPartitionIn(dw, lake, spec, lakeColumns, dir, names, request);
      rows += loaded;
      switched += loaded > 0 ? 1 : 0;
    }
    const emptied =
      check.exists && request.removedPartitions === true
        ? await emptyRemovedPartitions(dw, lake, spec, request, names)
        : 0;
    return {
      mode: 'switch',
      created: !check.exists,
      rows,
      partitionsSwitched: switched,
      partitionsEmptied: emptied,
    };
  }
  return reloadTable(dw, lake, spec, lakeColumns, names, request, !check.exists);
}

async function bulkIntoStaging(
  dw: WarehouseConnection,
  lake: LakeRows,
  spec: WarehouseTableSpec,
  lakeColumns: readonly LakeColumn[],
  files: readonly string[],
  stage: { bare: string; quoted: string },
  batchSize: number,
): Promise<number> {
  await dw.execute(createTableSql(spec, stage.quoted, stage.bare));
  if (!spec.columns.some((c) => textTransfer(c) !== undefined)) {
    return dw.bulkLoad(
      stage.quoted,
      spec.columns.map(bulkColumn),
      lake.rows(files, spec.columns, lakeColumns),
      batchSize,
    );
  }
  // Wide decimals travel as exact text into a load table; the server converts them into staging.
  const load = loadTableOf(spec, stage);
  const loadColumns = spec.columns.map((c) => textTransfer(c) ?? c);
  await dw.execute(
    createTableSql({ ...spec, columns: loadColumns, primaryKey: [] }, load, `${stage.bare}load`),
  );
  const rows = await dw.bulkLoad(
    load,
    loadColumns.map(bulkColumn),
    lake.rows(files, loadColumns, lakeColumns),
    batchSize,
  );
  const cols = spec.columns.map((c) => quoteName(c.name));
  const values = spec.columns.map((c) =>
    textTransfer(c) === undefined ? quoteName(c.name) : `CAST(${quoteName(c.name)} AS ${c.declaration})`,
  );
  await dw.execute(
    `INSERT INTO ${stage.quoted} (${cols.join(', ')}) SELECT ${values.join(', ')} FROM ${load};`,
  );
  await dw.execute(`DROP TABLE ${load};`);
  return rows;
}

/** The load table of a staging table (wide decimals as text), beside it. */
function loadTableOf(spec: WarehouseTableSpec, stage: { bare: string }): string {
  return tableName(spec.schema, `${stage.bare}load`);
}

/** Rolls back what is open and drops the run's staging tables; the first error is kept. */
async function undo(dw: WarehouseConnection, tables: readonly string[]): Promise<void> {
  await dw.execute('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;').catch(() => undefined);
  for (const t of tables) {
    await dw.execute(`DROP TABLE IF EXISTS ${t};`).catch(() => undefined);
  }
}

/** The CHECK predicate confining `column` to partition `n` of the source's function. */
function rangePredicate(scheme: SourcePartitionScheme, column: WarehouseColumn, n: number): string {
  const col = quoteName(column.name);
  const lo = n > 1 ? scheme.boundaries[n - 2] : undefined;
  const hi = scheme.boundaries[n - 1];
  const parts: string[] = [];
  if (lo !== undefined && lo !== null) {
    parts.push(`${col} ${scheme.rangeRight ? '>=' : '>'} ${boundaryLiteral(lo, column)}`);
  }
  if (hi !== undefined && hi !== null) {
    parts.push(`${col} ${scheme.rangeRight ? '<' : '<='} ${boundaryLiteral(hi, column)}`);
  }
  if (n > 1) {
    parts.push(`${col} IS NOT NULL`); // NULLs belong to partition 1
  }
  return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
}

/** What both switching steps name: the source scheme, its column in the warehouse, the target, its function. */
function switchedTable(
  spec: WarehouseTableSpec,
  request: WarehouseLoadRequest,
): { scheme: SourcePartitionScheme; column: WarehouseColumn; target: string; fn: string } {
  const scheme = request.partitioning as SourcePartitionScheme;
  const column = spec.columns.find(
    (c) => c.name.toLowerCase() === scheme.column.toLowerCase(),
  ) as WarehouseColumn;
  return {
    scheme,
    column,
    target: tableName(spec.schema, spec.table),
    fn: quoteName(warehousePartitionNames(scheme).fn),
  };
}

async function switchPartitionIn(
  dw: WarehouseConnection,
  lake: LakeRows,
  spec: WarehouseTableSpec,
  lakeColumns: readonly LakeColumn[],
  dir: string,
  names: StagingNames,
  request: WarehouseLoadRequest,
): Promise<number> {
  const { scheme, column, target, fn } = switchedTable(spec, request);
  const stage = names.next('stage');
  const trash = names.next('trash');
  try {
    const rows = await bulkIntoStaging(
      dw,
      lake,
      spec,
      lakeColumns,
      await parquetFiles(dir),
      stage,
      request.batchSize,
    );
    if (rows === 0) {
      await dw.execute(`DROP TABLE ${stage.quoted};`);
      return 0;
    }
    const range = await dw.execute(
      `SELECT MIN($PARTITION.${fn}(${quoteName(column.name)})) AS lo, MAX($PARTITION.${fn}(${quoteName(column.name)})) AS hi FROM ${stage.quoted};`,
    );
    const n = Number(range[0]?.lo);
    if (n !== Number(range[0]?.hi)) {
      throw new SqlSyncError(
        'DESTINATION_SCHEMA',
        `${request.tableId}: lake partition ${dir} holds rows of warehouse partitions ${n} to ${range[0]?.hi}; the warehouse's partition function is not aligned with the lake`,
        { context: { table: request.tableId, column: column.name } },
      );
    }
    // Added after the load, so SQL Server checks every row once (WITH CHECK, the default for a new
    // constraint): a trusted constraint is what lets SWITCH skip scanning the partition.
    await dw.execute(
      `ALTER TABLE ${stage.quoted} ADD CONSTRAINT ${quoteName(`CK_${stage.bare}`)} CHECK (${rangePredicate(scheme, column, n)});`,
    );
    await dw.execute(createTableSql(spec, trash.quoted, trash.bare));
    await dw.execute('BEGIN TRANSACTION;');
    await dw.execute(`ALTER TABLE ${target} SWITCH PARTITION ${n} TO ${trash.quoted};`);
    await dw.execute(`ALTER TABLE ${stage.quoted} SWITCH TO ${target} PARTITION ${n};`);
    await dw.execute(`DROP TABLE ${trash.quoted};`);
    await dw.execute('COMMIT TRANSACTION;');
    await dw.execute(`DROP TABLE ${stage.quoted};`);
    return rows;
  } catch (error) {
    await undo(dw, [stage.quoted, loadTableOf(spec, stage), trash.quoted]);
    throw error;
  }
}

/** A DuckDB literal of a value read from the warehouse, to find it in the lake. */
function duckLiteral(value: unknown, column: WarehouseColumn): string {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return column.typeName === 'date'
      ? `DATE '${iso.slice(0, 10)}'`
      : `TIMESTAMP '${iso.slice(0, 23).replace('T', ' ')}'`;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return String(value);
  }
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** Switches out (and drops) each warehouse partition whose rows the lake no longer has. */
async function emptyRemovedPartitions(
  dw: WarehouseConnection,
  lake: LakeRows,
  spec: WarehouseTableSpec,
  request: WarehouseLoadRequest,
  names: StagingNames,
): Promise<number> {
  const { column, target, fn } = switchedTable(spec, request);
  const col = quoteName(column.name);
  const present = await dw.execute(
    `SELECT $PARTITION.${fn}(${col}) AS partition_number, MIN(${col}) AS sample FROM ${target} GROUP BY $PARTITION.${fn}(${col});`,
  );
  const files = await parquetFiles(request.lakeDir);
  let emptied = 0;
  for (const p of present) {
    if (p.sample === null || (await lake.countWhere(files, column.name, duckLiteral(p.sample, column))) > 0) {
      continue;
    }
    const trash = names.next('trash');
    try {
      await dw.execute(createTableSql(spec, trash.quoted, trash.bare));
      await dw.execute('BEGIN TRANSACTION;');
      await dw.execute(
        `ALTER TABLE ${target} SWITCH PARTITION ${Number(p.partition_number)} TO ${trash.quoted};`,
      );
      await dw.execute(`DROP TABLE ${trash.quoted};`);
      await dw.execute('COMMIT TRANSACTION;');
      emptied++;
    } catch (error) {
      await undo(dw, [trash.quoted]);
      throw error;
    }
  }
  return emptied;
}

/** Staging table + one MERGE (with a primary key) or DELETE + INSERT, in one transaction. */
async function reloadTable(
  dw: WarehouseConnection,
  lake: LakeRows,
  spec: WarehouseTableSpec,
  lakeColumns: readonly LakeColumn[],
  names: StagingNames,
  request: WarehouseLoadRequest,
  created: boolean,
): Promise<WarehouseLoadResult> {
  const target = tableName(spec.schema, spec.table);
  const stage = names.next('stage');
  const cols = spec.columns.map((c) => quoteName(c.name));
  const key = spec.primaryKey.map((k) => k.toLowerCase());
  const merge = key.length > 0;
  try {
    const rows = await bulkIntoStaging(
      dw,
      lake,
      spec,
      lakeColumns,
      await parquetFiles(request.lakeDir),
      stage,
      request.batchSize,
    );
    await dw.execute('BEGIN TRANSACTION;');
    if (merge) {
      const on = spec.primaryKey.map((k) => `t.${quoteName(k)} = s.${quoteName(k)}`).join(' AND ');
      const others = spec.columns.filter((c) => !key.includes(c.name.toLowerCase()));
      const update =
        others.length === 0
          ? ''
          : ` WHEN MATCHED THEN UPDATE SET ${others.map((c) => `${quoteName(c.name)} = s.${quoteName(c.name)}`).join(', ')}`;
      await dw.execute(
        `MERGE INTO ${target} AS t USING ${stage.quoted} AS s ON ${on}${update} WHEN NOT MATCHED BY TARGET THEN INSERT (${cols.join(', ')}) VALUES (${cols.map((c) => `s.${c}`).join(', ')}) WHEN NOT MATCHED BY SOURCE THEN DELETE;`,
      );
    } else {
      await dw.execute(`DELETE FROM ${target};`);
      await dw.execute(
        `INSERT INTO ${target} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${stage.quoted};`,
      );
    }
    await dw.execute('COMMIT TRANSACTION;');
    await dw.execute(`DROP TABLE ${stage.quoted};`);
    return { mode: merge ? 'merge' : 'replace', created, rows, partitionsSwitched: 0, partitionsEmptied: 0 };
  } catch (error) {
    await undo(dw, [stage.quoted, loadTableOf(spec, stage)]);
    throw error;
  }
}
