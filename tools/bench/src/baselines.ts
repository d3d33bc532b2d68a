import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SourceConnection, selectStatement } from '@sync/extract-mssql';
import sql from 'mssql';
import {
  createNativeTableDuckdb,
  FACT_SCHEMA,
  FACT_TABLE,
  insertFactRowsDuckdb,
  plainSelectTsql,
} from './fact-table.js';
import type { MeasureOutcome, MeasureSpec } from './measurement.js';
import { sourceOptions } from './source-options.js';
import { sectionFigures, timeSection } from './timed-section.js';

/** A measurement's figures before the child adds its name and peak RSS. */
export type Measured = Omit<MeasureOutcome, 'name' | 'peakRssBytes'>;

/**
 * Baseline A: the bare `mssql` driver streaming the fact table's columns as anyone would select
 * them (`SELECT [Id], … FROM [dbo].[Fact]`, `request.stream`, `arrayRowMode`), every row decoded
 * by tedious into its default JS values (decimals as doubles, dates as Dates) and dropped. What
 * sqlsync adds on top of the driver's own decoding is the difference to this. sqlsync's own SELECT
 * (recorded in the details) reads the same rows in exact wire forms: wide decimals as text,
 * dates and times as integers.
 */
export async function baselineDriver(spec: MeasureSpec): Promise<Measured> {
  // Describing the table is untimed.
  const source = await SourceConnection.open(sourceOptions(spec.endpoint));
  let statement: string;
  let sqlsyncStatement: string;
  try {
    statement = plainSelectTsql();
    sqlsyncStatement = selectStatement(await source.describe(FACT_SCHEMA, FACT_TABLE));
  } finally {
    await source.close();
  }
  const pool = await new sql.ConnectionPool({
    server: spec.endpoint.host,
    port: spec.endpoint.port,
    database: spec.endpoint.database,
    user: spec.endpoint.user,
    password: spec.endpoint.password,
    requestTimeout: 600_000,
    pool: { min: 0, max: 1 },
    options: { encrypt: false, trustServerCertificate: true, useUTC: true, enableArithAbort: true },
  }).connect();
  try {
    const section = await timeSection(
      () =>
        new Promise<number>((resolve, reject) => {
          let rows = 0;
          const request = pool.request();
          request.stream = true;
          request.arrayRowMode = true;
          request.on('row', () => {
            rows++;
          });
          request.on('error', reject);
          request.on('done', () => resolve(rows));
          request.query(statement).catch(() => {
            // Errors arrive through the 'error' event too; this only prevents an unhandled rejection.
          });
        }),
    );
    return {
      status: 'ok',
      rows: section.value,
      ...sectionFigures(section),
      details: { statement, sqlsyncStatement },
    };
  } finally {
    await pool.close();
  }
}

/**
 * Baseline B: DuckDB's own `COPY … TO (FORMAT parquet, COMPRESSION zstd)` of the same rows from a
 * native in-memory DuckDB table (filled by the same generator, untimed): the writer's ceiling.
 * The child's peak RSS therefore includes the whole table held in DuckDB.
 */
export async function baselineDuckdbCopy(spec: MeasureSpec): Promise<Measured> {
  await mkdir(spec.workDir, { recursive: true });
  const file = join(spec.workDir, 'baseline-b.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      await connection.run(createNativeTableDuckdb('fact'));
      await connection.run(insertFactRowsDuckdb('fact', spec.rows, 'decimal'));
      const section = await timeSection(async () => {
        await connection.run(
          `COPY fact TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
        );
      });
      return {
        status: 'ok',
        rows: spec.rows,
        ...sectionFigures(section),
        parquetBytes: (await stat(file)).size,
      };
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
