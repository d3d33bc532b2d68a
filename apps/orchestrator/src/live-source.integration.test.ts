import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createLogger, type PipelineConfig, parseConfig } from '@sync/core';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built pipeline: its piscina workers load `dist/unit-worker.js` next to it.
import { Pipeline, type RunSummary, type TableSummary } from '../dist/index.js';
import { type LedgerTable, LedgerWriter } from './test-support/ledger-writer.js';

// Issue 16's first acceptance item: sqlsync syncs a 1,000,000-row partition table and a static
// table while a second connection keeps inserting, updating and deleting rows. Every write
// transaction keeps each partition's SUM(Amount) (and the static table's SUM(Rate)) unchanged, so
// a published partition mixing two moments of the table shows up as a wrong sum. With snapshot
// isolation allowed every unit reads one snapshot: every run succeeds, nothing is retried. With it
// not allowed the documented fallback runs — READ COMMITTED, units whose validation figures
// disagree are read again (counted in the summary), a unit still disagreeing fails the table with
// a message naming ALTER DATABASE … SET ALLOW_SNAPSHOT_ISOLATION ON — and nothing wrong is
// published. After the writer stops, one more run makes the lake equal the source.

const PASSWORD = 'LiveSource!Passw0rd';
const ROWS = 1_000_000;
const PARTITIONS = 20;
/** The partitions the writer changes: later runs re-read only these. */
const HOT_PARTITIONS = [0, 1, 2, 3];
const RATES = 20_000;
/** How long the writer writes before a run starts, so that the first reads race it for sure. */
const WARM_UP_TRANSACTIONS = 20;

/** Amount of seed row i in ten-thousandths: ((i * 37) % 1,000,000) / 100 - 1000, exactly. */
const ledgerAmount = (i: number): number => ((i * 37) % 1_000_000) * 100 - 10_000_000;
/** Rate of seed row i in ten-thousandths: (i % 9973) / 10. */
const rateAmount = (i: number): number => (i % 9973) * 1000;

describe('a live source: writes during sqlsync run', { timeout: 600_000 }, () => {
  let emulator: Emulator;
  let work: string;
  let ledger: LedgerTable;
  let rates: LedgerTable;
  /** SUM(Amount) by partition and SUM(Rate), as the writer keeps them. */
  let expectedSums: Map<number, string>;
  let expectedRates: string;
  let runs = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-live-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Ledger] ([Id] bigint NOT NULL PRIMARY KEY, [Part] int NOT NULL,
  [Amount] decimal(19,4) NOT NULL, [Note] nvarchar(40) NULL);
GO
CREATE TABLE [dbo].[Rates] ([Id] int NOT NULL PRIMARY KEY, [Rate] decimal(19,4) NOT NULL);`);
    await emulator.duckdb(`INSERT INTO dbo."Ledger"
      SELECT i, i % ${PARTITIONS}, CAST((i * 37) % 1000000 AS DECIMAL(19,4)) / 100 - 1000, 'seed ' || i
      FROM range(1, ${ROWS + 1}) t(i)`);
    await emulator.duckdb(`INSERT INTO dbo."Rates"
      SELECT i, CAST(i % 9973 AS DECIMAL(19,4)) / 10 FROM range(1, ${RATES + 1}) t(i)`);
    const sums = await emulator.duckdb(
      `SELECT "Part" AS part, CAST(SUM("Amount") AS VARCHAR) AS total FROM dbo."Ledger" GROUP BY "Part"`,
    );
    expectedSums = new Map(sums.map((r) => [Number(r.part), String(r.total)]));
    expectedRates = String(
      (await emulator.duckdb(`SELECT CAST(SUM("Rate") AS VARCHAR) AS total FROM dbo."Rates"`))[0]?.total,
    );
    const hotRows = new Map<number, Map<number, number>>(HOT_PARTITIONS.map((p) => [p, new Map()]));
    for (let i = 1; i <= ROWS; i++) {
      hotRows.get(i % PARTITIONS)?.set(i, ledgerAmount(i));
    }
    ledger = {
      name: '[dbo].[Ledger]',
      amountColumn: 'Amount',
      groupColumn: 'Part',
      insert: (id, part, amount) => ({
        columns: '[Id], [Part], [Amount], [Note]',
        values: `${id}, ${part}, ${amount}, N'live ${id}'`,
      }),
      rows: hotRows,
    };
    const rateRows = new Map<number, number>();
    for (let i = 1; i <= RATES; i++) {
      rateRows.set(i, rateAmount(i));
    }
    rates = {
      name: '[dbo].[Rates]',
      amountColumn: 'Rate',
      insert: (id, _group, amount) => ({ columns: '[Id], [Rate]', values: `${id}, ${amount}` }),
      rows: new Map([[0, rateRows]]),
    };
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  function config(
    lake: string,
    processing: Record<string, unknown> = {},
    tables: 'both' | 'static only' = 'both',
  ): PipelineConfig {
    return parseConfig({
      pipeline_name: `live-${++runs}`,
      log_level: process.env.SQLSYNC_TEST_LOG === undefined ? 'ERROR' : 'INFO',
      database: {
        server: '127.0.0.1',
        port: emulator.port,
        database: 'master',
        username: 'sa',
        password: PASSWORD,
        encrypt: false,
      },
      processing: { max_workers: 2, partition_parallel_limit: 2, retry_delay_seconds: 0.1, ...processing },
      state: { parquet_directory: join(work, lake, 'lake'), state_directory: join(work, lake, 'state') },
      partition_tables:
        tables === 'both'
          ? [{ schema_name: 'dbo', table_name: 'Ledger', target_schema: 'live', partition_column: 'Part' }]
          : [],
      static_tables: [{ schema_name: 'dbo', table_name: 'Rates', target_schema: 'live' }],
    });
  }

  async function run(cfg: PipelineConfig): Promise<RunSummary> {
    return new Pipeline(cfg, {
      logger: createLogger({ level: process.env.SQLSYNC_TEST_LOG === undefined ? 'silent' : 'info' }),
    }).run();
  }

  function tableOf(summary: RunSummary, id: string): TableSummary {
    const table = summary.tables.find((t) => t.table === id);
    expect(table, JSON.stringify(summary)).toBeDefined();
    return table as TableSummary;
  }

  function writer(): Promise<LedgerWriter> {
    return LedgerWriter.start(
      { server: '127.0.0.1', port: emulator.port, username: 'sa', password: PASSWORD, database: 'master' },
      [ledger, rates],
    );
  }

  async function warmedUp(w: LedgerWriter): Promise<void> {
    while (w.transactions < WARM_UP_TRANSACTIONS) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Runs DuckDB SQL over the lake (and the source copy) and returns its rows. */
  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
  }

  const lakeScan = (lake: string, table: string): string =>
    `read_parquet('${join(work, lake, 'lake', 'live', table, '**', '*.parquet')}', hive_partitioning = false)`;

  /**
   * Nothing wrong is published: every lake partition's SUM(Amount) and the static table's SUM(Rate)
   * are the sums every write transaction keeps, and no Id is there twice.
   */
  async function expectNothingWrongPublished(lake: string): Promise<void> {
    const partitions = await query(
      `SELECT "Part" AS part, CAST(SUM("Amount") AS VARCHAR) AS total, count(*) - count(DISTINCT "Id") AS duplicates
       FROM ${lakeScan(lake, 'Ledger')} GROUP BY "Part" ORDER BY "Part"`,
    );
    expect(partitions.length).toBe(PARTITIONS);
    for (const p of partitions) {
      expect({ part: Number(p.part), total: p.total, duplicates: Number(p.duplicates) }).toEqual({
        part: Number(p.part),
        total: expectedSums.get(Number(p.part)),
        duplicates: 0,
      });
    }
    const [staticFigures] = await query(
      `SELECT CAST(SUM("Rate") AS VARCHAR) AS total, count(*) - count(DISTINCT "Id") AS duplicates FROM ${lakeScan(lake, 'Rates')}`,
    );
    expect({ total: staticFigures?.total, duplicates: Number(staticFigures?.duplicates) }).toEqual({
      total: expectedRates,
      duplicates: 0,
    });
  }

  /** The lake holds exactly the source's rows (EXCEPT ALL both ways), for both tables. */
  async function expectLakeEqualsSource(lake: string): Promise<void> {
    for (const [table, columns] of [
      ['Ledger', '"Id", "Part", "Amount", "Note"'],
      ['Rates', '"Id", "Rate"'],
    ] as const) {
      const copy = join(work, `${lake}-${table}-${Date.now()}.parquet`);
      await emulator.duckdb(`COPY (SELECT * FROM dbo."${table}") TO '${copy}' (FORMAT PARQUET)`);
      const [diff] = await query(
        `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM ${lakeScan(lake, table)} EXCEPT ALL SELECT ${columns} FROM '${copy}'))
              + (SELECT count(*) FROM (SELECT ${columns} FROM '${copy}' EXCEPT ALL SELECT ${columns} FROM ${lakeScan(lake, table)})) AS differing,
                (SELECT count(*) FROM '${copy}') AS source_rows`,
      );
      expect({ table, differing: Number(diff?.differing) }).toEqual({ table, differing: 0 });
      await rm(copy, { force: true });
    }
  }

  it('with snapshot isolation allowed, every run succeeds in snapshot mode and publishes consistent partitions', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    const w = await writer();
    let report: Awaited<ReturnType<LedgerWriter['stop']>>;
    try {
      await warmedUp(w);
      for (let i = 0; i < 2; i++) {
        const summary = await run(config('live'));
        expect(summary.status, JSON.stringify(summary.tables.map((t) => t.error))).toBe('ok');
        for (const id of ['dbo.Ledger', 'dbo.Rates']) {
          expect(tableOf(summary, id).read).toEqual({ mode: 'snapshot', retries: 0 });
        }
        if (i === 0) {
          expect(tableOf(summary, 'dbo.Ledger').units.length).toBe(PARTITIONS);
        }
        await expectNothingWrongPublished('live');
      }
    } finally {
      report = await w.stop();
    }
    // The writer really raced the reads: inserts, updates and deletes committed meanwhile.
    expect(report.inserted).toBeGreaterThan(0);
    expect(report.deleted).toBeGreaterThan(0);
    const last = await run(config('live'));
    expect(last.status).toBe('ok');
    await expectNothingWrongPublished('live');
    await expectLakeEqualsSource('live');
  });

  it('with snapshot isolation not allowed, READ COMMITTED units are read again or fail as documented, and nothing wrong is published', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    // The lake of the test above, when it ran first: then only the partitions the writer changes
    // are read again (run alone, this test loads the whole table under the writer, just slower).
    let retries = 0;
    let failures = 0;
    const w = await writer();
    try {
      await warmedUp(w);
      for (let i = 0; i < 2; i++) {
        const summary = await run(config('live', { concurrent_change_retries: 4 }));
        for (const table of summary.tables) {
          if (table.status === 'ok') {
            expect(table.read?.mode).toBe('read_committed');
            retries += table.read?.retries ?? 0;
          } else {
            // The documented failure: nothing of the table is published, and the message says what to do.
            failures++;
            expect(table.error?.code, JSON.stringify(table.error)).toBe('VALIDATION_FAILED');
            expect(table.error?.message).toContain('ALTER DATABASE [master] SET ALLOW_SNAPSHOT_ISOLATION ON');
            expect(table.error?.message).toContain('off-peak');
          }
        }
        await expectNothingWrongPublished('live');
      }
    } finally {
      await w.stop();
    }
    // The fallback happened: a unit read while rows were inserted or deleted disagreed with the
    // figures taken after it, and was read again (or, still disagreeing, failed its table).
    expect(retries + failures).toBeGreaterThan(0);
    const last = await run(config('live'));
    expect(last.status).toBe('ok');
    for (const table of last.tables) {
      // No writer now: nothing is read twice (a table the writer left alone since the last run reads nothing).
      expect([undefined, JSON.stringify({ mode: 'read_committed', retries: 0 })]).toContain(
        table.read === undefined ? undefined : JSON.stringify(table.read),
      );
    }
    await expectNothingWrongPublished('live');
    await expectLakeEqualsSource('live');
  });

  it('processing.snapshot_isolation: required fails a unit where the database does not allow snapshots, naming the fix', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    const summary = await run(
      config('required', { snapshot_isolation: 'required', retry_attempts: 0 }, 'static only'),
    );
    expect(summary.status).toBe('failed');
    const rates = tableOf(summary, 'dbo.Rates');
    expect(rates.status).toBe('failed');
    expect(rates.error?.message).toContain('processing.snapshot_isolation is required');
    expect(rates.error?.message).toContain('ALTER DATABASE [master] SET ALLOW_SNAPSHOT_ISOLATION ON');
  });
});
