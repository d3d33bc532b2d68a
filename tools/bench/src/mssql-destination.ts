import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, parseConfig } from '@sync/core';
import { startEmulator } from '@sync/mssql-emulator';
import { Pipeline, type RunSummary } from '@sync/orchestrator';
import sql from 'mssql';
import type { Measured } from './baselines.js';
import { FACT_COLUMNS, FACT_SCHEMA, FACT_TABLE, PARTITION_COLUMN } from './fact-table.js';
import type { MeasureSpec } from './measurement.js';
import { sectionFigures, timeSection } from './timed-section.js';

/** The fact table's copy on a monthly partition scheme (the warehouse aligns with it and switches). */
export const FACT_BY_MONTH = 'FactByMonth';

/** Monthly boundaries over the fact table's 2024 (RANGE RIGHT: one partition per month, 13 in all). */
const BOUNDARIES = [
  ...Array.from({ length: 11 }, (_, m) => `'2024-${String(m + 2).padStart(2, '0')}-01'`),
  "'2025-01-01'",
].join(', ');

/**
 * Untimed: the fact table copied onto a monthly partition scheme (`dbo.FactByMonth`, primary key
 * (Id, BusinessDate) as SQL Server requires of an aligned clustered key), once per emulator.
 */
async function prepareSource(spec: MeasureSpec): Promise<void> {
  const pool = await new sql.ConnectionPool({
    server: spec.endpoint.host,
    port: spec.endpoint.port,
    user: spec.endpoint.user,
    password: spec.endpoint.password,
    database: spec.endpoint.database,
    options: { encrypt: false, trustServerCertificate: true },
    requestTimeout: 3_600_000,
  }).connect();
  try {
    const found = await pool.request().query(`SELECT OBJECT_ID(N'${FACT_SCHEMA}.${FACT_BY_MONTH}') AS id`);
    if (found.recordset[0]?.id !== null) {
      return;
    }
    const columns = FACT_COLUMNS.map((c) => `[${c}]`).join(', ');
    await pool
      .request()
      .batch(`CREATE PARTITION FUNCTION pfBenchMonth (date) AS RANGE RIGHT FOR VALUES (${BOUNDARIES});
      CREATE PARTITION SCHEME psBenchMonth AS PARTITION pfBenchMonth ALL TO ([PRIMARY]);`);
    await pool
      .request()
      .batch(`CREATE TABLE [${FACT_SCHEMA}].[${FACT_BY_MONTH}] ([Id] int NOT NULL, [AccountId] bigint NOT NULL,
        [UpdatedAt] datetime2(7) NOT NULL, [${PARTITION_COLUMN}] date NOT NULL, [Amount] decimal(19,4) NULL,
        [Rate] decimal(38,10) NULL, [Code] nvarchar(50) NOT NULL, [Description] nvarchar(200) NULL,
        [IsActive] bit NOT NULL, [Score] float NULL,
        CONSTRAINT [PK_${FACT_BY_MONTH}] PRIMARY KEY ([Id], [${PARTITION_COLUMN}])) ON psBenchMonth([${PARTITION_COLUMN}]);
      INSERT INTO [${FACT_SCHEMA}].[${FACT_BY_MONTH}] (${columns}) SELECT ${columns} FROM [${FACT_SCHEMA}].[${FACT_TABLE}];`);
  } finally {
    await pool.close();
  }
}

function pipeline(spec: MeasureSpec, dir: string, warehousePort: number | undefined): Pipeline {
  const connection = {
    server: spec.endpoint.host,
    port: spec.endpoint.port,
    database: spec.endpoint.database,
    username: spec.endpoint.user,
    password: spec.endpoint.password,
    encrypt: false,
  };
  const config = parseConfig(
    {
      database: connection,
      state: { parquet_directory: join(dir, 'lake'), state_directory: join(dir, 'state') },
      processing: { max_workers: 1, partition_parallel_limit: 1 },
      log_level: 'ERROR',
      partition_tables: [
        {
          schema_name: FACT_SCHEMA,
          table_name: FACT_BY_MONTH,
          target_schema: 'bench',
          target_table: 'fact_by_month',
          partition_column: PARTITION_COLUMN,
        },
      ],
      ...(warehousePort === undefined
        ? {}
        : { destination: { type: 'mssql' as const, connection: { ...connection, port: warehousePort } } }),
    },
    'bench',
  );
  return new Pipeline(config, { logger: createLogger({ level: 'silent' }) });
}

const failure = (summary: RunSummary): string | undefined =>
  summary.tables.find((t) => t.status === 'failed')?.error?.message ??
  (summary.status === 'failed' ? `run status ${summary.status}` : undefined);

/**
 * `sqlsync-mssql-destination` (issue 17): the fact table on a monthly partition scheme, run twice
 * from empty with one worker — lake only, then lake plus a SQL Server warehouse (a second emulator
 * in this process, so its CPU and memory count here) loaded by partition switching. The timed
 * figures are the second run's; the details give both runs' rows/s and the warehouse's share.
 */
export async function sqlsyncMssqlDestination(spec: MeasureSpec): Promise<Measured> {
  await prepareSource(spec);
  const lakeOnlyDir = join(spec.workDir, 'lake-only');
  const withWarehouseDir = join(spec.workDir, 'with-warehouse');
  await rm(spec.workDir, { recursive: true, force: true });
  const lakeOnly = await timeSection(() => pipeline(spec, lakeOnlyDir, undefined).run());
  const lakeFailure = failure(lakeOnly.value);
  if (lakeFailure !== undefined) {
    return {
      status: 'failed',
      reason: `lake-only run: ${lakeFailure}`,
      rows: 0,
      ...sectionFigures(lakeOnly),
    };
  }
  const warehouse = await startEmulator({ port: 0, password: spec.endpoint.password });
  try {
    const both = await timeSection(() => pipeline(spec, withWarehouseDir, warehouse.port).run());
    const figures = sectionFigures(both);
    const bothFailure = failure(both.value);
    if (bothFailure !== undefined) {
      return { status: 'failed', reason: bothFailure, rows: 0, ...figures };
    }
    const table = both.value.tables[0];
    const rows = both.value.total_records;
    const warehouseSeconds = Math.max(both.seconds - lakeOnly.seconds, 0);
    return {
      status: 'ok',
      rows,
      ...figures,
      details: {
        lakeOnlySeconds: lakeOnly.seconds,
        lakeOnlyRowsPerSecond: Math.round(lakeOnly.value.total_records / lakeOnly.seconds),
        withWarehouseRowsPerSecond: Math.round(rows / both.seconds),
        warehouseSeconds,
        warehouseRowsPerSecond: warehouseSeconds > 0 ? Math.round(rows / warehouseSeconds) : undefined,
        destination: table?.destination,
      },
    };
  } finally {
    await warehouse.close();
  }
}
