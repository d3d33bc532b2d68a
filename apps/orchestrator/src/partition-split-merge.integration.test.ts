import { mkdtemp, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createLogger, type PipelineConfig, parseConfig } from '@sync/core';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built pipeline: its piscina workers load `dist/unit-worker.js` next to it.
import { Pipeline, type RunSummary, type TableSummary } from '../dist/index.js';

const PASSWORD = 'SplitMerge!Passw0rd';
const ROWS = 120_000;
const NULL_ROWS = 10;
/** RANGE RIGHT boundaries: the first of each month of 2023 from February, and 2024-01-01. */
const BOUNDARIES = Array.from({ length: 12 }, (_, i) =>
  new Date(Date.UTC(2023, i + 1, 1)).toISOString().slice(0, 10),
);
const KEY = 'OrderDate_partition';

describe('a source partition scheme: SPLIT and MERGE RANGE between runs, numbered labels migrated', () => {
  let emulator: Emulator;
  let work: string;
  let cfg: PipelineConfig;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-split-merge-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE PARTITION FUNCTION [pf_orders] (datetime2(3)) AS RANGE RIGHT
        FOR VALUES (${BOUNDARIES.map((b) => `'${b}T00:00:00'`).join(', ')});
      CREATE PARTITION SCHEME [ps_orders] AS PARTITION [pf_orders] ALL TO ([PRIMARY]);
      CREATE TABLE [dbo].[Orders] ([Id] bigint NOT NULL, [OrderDate] datetime2(3) NULL,
        [Amount] decimal(19,4) NULL, [Note] nvarchar(40) NULL) ON [ps_orders]([OrderDate]);`);
    // Rows over 2023 (January below the first boundary), and rows with a NULL date: both in the
    // first partition, as $PARTITION puts them.
    await emulator.duckdb(`INSERT INTO dbo."Orders"
      SELECT i, TIMESTAMP '2023-01-01 00:00:00' + to_seconds((i * 7919) % (365 * 86400)),
             CAST(((i * 37) % 1000000) AS DECIMAL(19,4)) / 100, 'note ' || i
      FROM range(1, ${ROWS + 1}) t(i)
      UNION ALL SELECT ${ROWS} + i, NULL, 1.5, 'no date' FROM range(1, ${NULL_ROWS + 1}) t(i)`);
    cfg = parseConfig({
      pipeline_name: 'split-merge',
      log_level: process.env.SQLSYNC_TEST_LOG === undefined ? 'ERROR' : 'INFO',
      database: {
        server: '127.0.0.1',
        port: emulator.port,
        database: 'master',
        username: 'sa',
        password: PASSWORD,
        encrypt: false,
      },
      processing: {
        max_workers: 2,
        partition_parallel_limit: 4,
        retry_attempts: 3,
        retry_delay_seconds: 0.1,
      },
      state: { parquet_directory: join(work, 'lake'), state_directory: join(work, 'state') },
      partition_tables: [
        {
          schema_name: 'dbo',
          table_name: 'Orders',
          target_schema: 'sales',
          target_table: 'orders',
          partition_column: 'OrderDate',
          newest_partitions_to_refresh: 0,
        },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function run(): Promise<TableSummary> {
    const summary: RunSummary = await new Pipeline(cfg, {
      logger: createLogger({ level: process.env.SQLSYNC_TEST_LOG === undefined ? 'silent' : 'info' }),
    }).run();
    const table = summary.tables[0];
    expect(table?.error, JSON.stringify(table?.error)).toBeUndefined();
    expect(summary.status).toBe('ok');
    return table as TableSummary;
  }

  const tableDir = (): string => join(cfg.state.parquetDirectory, 'sales', 'orders');

  async function directories(): Promise<string[]> {
    return (await readdir(tableDir())).sort();
  }

  /** Source rows whose date lies in [lo, hi) (a DuckDB count on the emulator's storage). */
  async function sourceRows(lo: string, hi: string): Promise<number> {
    const [row] = await emulator.duckdb(
      `SELECT count(*) AS n FROM dbo."Orders" WHERE "OrderDate" >= TIMESTAMP '${lo}' AND "OrderDate" < TIMESTAMP '${hi}'`,
    );
    return Number(row?.n);
  }

  /**
   * The lake equals the source row for row (EXCEPT ALL both ways), and every row sits under the
   * label of its partition's lower boundary as the source's boundaries are now (RANGE RIGHT: the
   * greatest boundary at or below the value; none — NULL — for the first partition).
   */
  async function expectLakeEqualsSource(boundaries: readonly string[]): Promise<void> {
    const sourceFile = join(work, `source-${Date.now()}.parquet`);
    await emulator.duckdb(`COPY (SELECT * FROM dbo."Orders") TO '${sourceFile}' (FORMAT PARQUET)`);
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      const lake = `read_parquet('${join(tableDir(), '**', '*.parquet')}', hive_partitioning = true)`;
      const count = async (sql: string): Promise<number> =>
        Number((await connection.runAndReadAll(sql)).getRows()[0]?.[0]);
      const columns = 'Id, OrderDate, Amount, Note';
      expect(await count(`SELECT count(*) FROM ${lake}`)).toBe(ROWS + NULL_ROWS);
      for (const [a, b] of [
        [lake, `'${sourceFile}'`],
        [`'${sourceFile}'`, lake],
      ]) {
        expect(
          await count(
            `SELECT count(*) FROM (SELECT ${columns} FROM ${a} EXCEPT ALL SELECT ${columns} FROM ${b})`,
          ),
        ).toBe(0);
      }
      const list = `[${boundaries.map((b) => `TIMESTAMP '${b.replace('T', ' ')}'`).join(', ')}]`;
      // Each boundary's label: its day when at midnight, else with its time (as the directories say).
      const labelOf = `(SELECT CASE WHEN max(b) = date_trunc('day', max(b)) THEN strftime(max(b), '%Y-%m-%d')
        ELSE strftime(max(b), '%Y-%m-%dT%H:%M:%S') END FROM unnest(${list}) AS t(b) WHERE OrderDate >= b)`;
      expect(
        await count(
          `SELECT count(*) FROM ${lake} WHERE CAST("${KEY}" AS VARCHAR) IS DISTINCT FROM ${labelOf}`,
        ),
      ).toBe(0);
    } finally {
      connection.closeSync();
      duckdb.closeSync();
      await rm(sourceFile, { force: true });
    }
  }

  it('labels partitions by lower boundary; SPLIT and MERGE re-read only the affected partitions', async () => {
    const first = await run();
    // The last partition, from 2024-01-01, holds no row: no unit, no directory.
    expect(first.units).toHaveLength(12);
    expect(first.rows).toBe(ROWS + NULL_ROWS);
    expect(await directories()).toEqual([
      ...BOUNDARIES.slice(0, 11).map((b) => `${KEY}=${b}`),
      `${KEY}=__HIVE_DEFAULT_PARTITION__`,
    ]);
    await expectLakeEqualsSource(BOUNDARIES);

    // SPLIT June at noon on the 15th: June is re-read, its upper half read as a new partition.
    await emulator.exec("ALTER PARTITION FUNCTION pf_orders() SPLIT RANGE ('2023-06-15T12:00:00')");
    const split = await run();
    expect(split.units.map((u) => [u.id.split('#')[1], u.reason])).toEqual([
      [`${KEY}=2023-06-01`, 'fingerprint changed (row count, row hash, catalog row count, upper boundary)'],
      [`${KEY}=2023-06-15T12:00:00`, 'new partition'],
    ]);
    expect(split.rows).toBe(await sourceRows('2023-06-01', '2023-07-01'));
    const afterSplit = [...BOUNDARIES.slice(0, 5), '2023-06-15T12:00:00', ...BOUNDARIES.slice(5)];
    expect(await directories()).toContain(`${KEY}=2023-06-15T12%3A00%3A00`);
    await expectLakeEqualsSource(afterSplit);

    // MERGE September into August: August is re-read with both months, September's directory removed.
    await emulator.exec("ALTER PARTITION FUNCTION pf_orders() MERGE RANGE ('2023-09-01')");
    const merge = await run();
    expect(merge.units.map((u) => [u.id.split('#')[1], u.reason])).toEqual([
      [`${KEY}=2023-08-01`, 'fingerprint changed (row count, row hash, catalog row count, upper boundary)'],
      [
        `${KEY}=2023-09-01`,
        'gone after the partition function boundaries changed (its lower boundary is no longer one: MERGE RANGE)',
      ],
    ]);
    expect(merge.rows).toBe(await sourceRows('2023-08-01', '2023-10-01'));
    const afterMerge = afterSplit.filter((b) => b !== '2023-09-01');
    expect(await directories()).not.toContain(`${KEY}=2023-09-01`);
    await expectLakeEqualsSource(afterMerge);

    const still = await run();
    expect(still.units).toEqual([]);
  }, 600_000);

  it('moves a state with numbered labels to boundary labels without reading a partition again', async () => {
    // Turn the lake and state back into what sqlsync wrote before boundary labels: directories
    // numbered by partition, boundaries as the driver decoded them (ISO instants, milliseconds).
    const stateFile = join(cfg.state.stateDirectory, 'dbo.Orders.json');
    const file = JSON.parse(await readFile(stateFile, 'utf8'));
    const bounds: string[] = file.state.boundaries;
    const legacy = (text: string | null): string | null =>
      text === null ? null : new Date(`${text}Z`).toISOString();
    const number = (lower: string | null): string =>
      String(lower === null ? 1 : bounds.indexOf(lower) + 2).padStart(5, '0');
    const version = await realpath(tableDir());
    for (const p of file.state.partitions) {
      const from = p.value === null ? '__HIVE_DEFAULT_PARTITION__' : p.value.replaceAll(':', '%3A');
      await rename(
        join(version, `${KEY}=${from}`),
        join(version, `${KEY}=${number(p.fingerprint.lowerBoundary)}`),
      );
    }
    delete file.state.labels;
    file.state.boundaries = bounds.map(legacy);
    file.state.partitions = file.state.partitions.map(
      (p: { fingerprint: { lowerBoundary: string | null; upperBoundary: string | null } }) => ({
        value: number(p.fingerprint.lowerBoundary),
        fingerprint: {
          ...p.fingerprint,
          lowerBoundary: legacy(p.fingerprint.lowerBoundary),
          upperBoundary: legacy(p.fingerprint.upperBoundary),
        },
      }),
    );
    await writeFile(stateFile, JSON.stringify(file, null, 2));
    expect((await directories())[0]).toBe(`${KEY}=00001`);

    const migrated = await run();
    expect(migrated.units).toEqual([]);
    expect(migrated.rows).toBe(0);
    const labels = [...BOUNDARIES.slice(0, 5), '2023-06-15T12:00:00', ...BOUNDARIES.slice(5, 11)].filter(
      (b) => b !== '2023-09-01',
    );
    expect(await directories()).toEqual(
      [
        ...labels.map((b) => `${KEY}=${b.replaceAll(':', '%3A')}`),
        `${KEY}=__HIVE_DEFAULT_PARTITION__`,
      ].sort(),
    );
    // One publish renamed them all: the table now points at another version.
    expect(await realpath(tableDir())).not.toBe(version);
    const after = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(after.state.labels).toBe('lower-boundary');
    expect(after.state.partitions.map((p: { value: string | null }) => p.value)).toEqual([null, ...labels]);
    await expectLakeEqualsSource(labels);
    expect((await run()).units).toEqual([]);
  }, 300_000);
});
