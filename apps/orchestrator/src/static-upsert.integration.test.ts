import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import type { CliRun } from './test-support/run-cli.js';

const PASSWORD = 'Upsert!Passw0rd';
const ROWS = 100;
const ALGORITHMS = ['hashbytes_sha256', 'hashbytes_md5', 'checksum'] as const;

/** A source row as the lake shows it: key (K1, K2), then A, B, D (decimal text), T (µs text). */
type Row = [string, number, string | null, string | null, string | null, string | null];

interface TableSummaryJson {
  status: string;
  rows: number;
  units: { reason: string; rows: number }[];
  upsert?: { inserted: number; updated: number; deleted: number; unchanged: number; full_read?: string };
  error?: { message: string };
}

function tableOf(run: CliRun): TableSummaryJson {
  return run.summary().tables?.[0] as unknown as TableSummaryJson;
}

// Each test is several CLI runs (a Node process each) against the emulator on a busy machine.
describe.each(ALGORITHMS)(
  'load_strategy: upsert with hash_algorithm %s, through the CLI',
  { timeout: 180_000 },
  (algorithm) => {
    let emulator: Emulator;
    let work: string;
    let lake: CliLake;
    let duckdb: DuckDBInstance;
    const config = [
      { schema_name: 'u', table_name: 'Items', load_strategy: 'upsert', hash_algorithm: algorithm },
    ];

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), `sqlsync-upsert-${algorithm}-`));
      emulator = await startEmulator({ port: 0, password: PASSWORD });
      const values = Array.from(
        { length: ROWS },
        (_, i) => `(N'k${i % 10}', ${i}, N'a${i}', N'b', ${i}.25, '2025-01-01T00:00:00.1234567')`,
      );
      await emulator.exec(`CREATE SCHEMA [u];
GO
CREATE TABLE [u].[Items] ([K1] nvarchar(5) NOT NULL, [K2] int NOT NULL, [A] nvarchar(5) NULL, [B] nvarchar(5) NULL,
  [D] decimal(10,2) NULL, [T] datetime2(7) NULL, CONSTRAINT [PK_Items] PRIMARY KEY ([K1], [K2]));
GO
INSERT INTO [u].[Items] VALUES ${values.join(', ')};`);
      lake = new CliLake(emulator, work, PASSWORD);
      duckdb = await DuckDBInstance.create(':memory:');
    }, 60_000);

    afterAll(async () => {
      duckdb?.closeSync();
      await emulator?.close();
      await rm(work, { recursive: true, force: true });
    });

    /** The lake table's rows, ordered by key. */
    async function lakeRows(): Promise<Row[]> {
      const connection = await duckdb.connect();
      try {
        const glob = join(lake.lakeRoot, 'u', 'Items', '*.parquet').replaceAll("'", "''");
        const reader = await connection.runAndReadAll(
          `SELECT K1, K2, A, B, D::VARCHAR, strftime(T, '%Y-%m-%d %H:%M:%S.%f') FROM read_parquet('${glob}') ORDER BY K1, K2`,
        );
        return reader.getRows() as Row[];
      } finally {
        connection.closeSync();
      }
    }

    /** The source table's rows as the lake should show them (µs), read from the emulator's backing table. */
    async function sourceRows(): Promise<Row[]> {
      const rows = await emulator.duckdb(
        `SELECT K1, K2, A, B, D::VARCHAR AS D, strftime(T::TIMESTAMP, '%Y-%m-%d %H:%M:%S.%f') AS T FROM u.Items ORDER BY K1, K2`,
      );
      return rows.map((r) => [r.K1, r.K2, r.A, r.B, r.D, r.T] as Row);
    }

    async function runExpecting(
      change: string | undefined,
      expected: Partial<TableSummaryJson>,
    ): Promise<TableSummaryJson> {
      if (change !== undefined) {
        await emulator.exec(change);
      }
      const run = await lake.run(config);
      expect(run.code, run.stderr).toBe(0);
      const table = tableOf(run);
      expect(table).toMatchObject(expected);
      expect(await lakeRows()).toEqual(await sourceRows());
      return table;
    }

    it('first run reads in full; unchanged skips; each one-cell change moves exactly one row', async () => {
      const first = await runExpecting(undefined, {
        status: 'ok',
        rows: ROWS,
        upsert: {
          inserted: ROWS,
          updated: 0,
          deleted: 0,
          unchanged: 0,
          full_read: 'full read: the lake has no row hashes yet',
        },
      });
      expect(first.units[0]?.reason).toMatch(/full reload/);
      const files = await lake.files('u', 'Items');
      expect(Object.keys(files)).toContain('_sqlsync_row_hashes');

      emulator.clearStatements();
      const unchanged = await runExpecting(undefined, { status: 'ok', rows: 0 });
      expect(unchanged.units[0]?.reason).toBe(`unchanged (${algorithm})`);
      expect(unchanged.upsert).toBeUndefined();
      expect(await lake.files('u', 'Items')).toEqual(files);
      expect(
        emulator.statements.filter(
          (s) => s.sql.includes('[A]') && !s.sql.includes('HASH') && !s.sql.includes('CHECKSUM'),
        ),
      ).toEqual([]);

      // 1.50 -> 1.5 in a decimal(10,2) is the same value: nothing to do.
      const same = await runExpecting(`UPDATE [u].[Items] SET [D] = 3.2500 WHERE [K2] = 3;`, { rows: 0 });
      expect(same.units[0]?.reason).toBe(`unchanged (${algorithm})`);

      const oneRow = {
        status: 'ok',
        rows: 1,
        upsert: { inserted: 0, updated: 1, deleted: 0, unchanged: ROWS - 1 },
      };
      for (const change of [
        `UPDATE [u].[Items] SET [A] = N'' WHERE [K2] = 4;`, // value -> ''
        `UPDATE [u].[Items] SET [A] = NULL WHERE [K2] = 4;`, // '' -> NULL
        `UPDATE [u].[Items] SET [A] = N'' WHERE [K2] = 4;`, // NULL -> ''
        `UPDATE [u].[Items] SET [T] = '2025-01-01T00:00:00.1234568' WHERE [K2] = 5;`, // the 7th digit
        `UPDATE [u].[Items] SET [A] = N'ab', [B] = N'c' WHERE [K2] = 6;`,
        `UPDATE [u].[Items] SET [A] = N'a', [B] = N'bc' WHERE [K2] = 6;`, // ('ab','c') -> ('a','bc')
      ]) {
        emulator.clearStatements();
        const table = await runExpecting(change, oneRow);
        expect(table.units[0]?.reason, change).toBe(`changed (${algorithm})`);
        // Only the changed row was read in full: one statement binding its key.
        const reads = emulator.statements.filter(
          (s) => s.sql.startsWith('SELECT [K1]') && s.sql.includes('@k0_0'),
        );
        expect(
          reads.map((s) => s.params),
          change,
        ).toHaveLength(1);
      }
    });

    it('moves only inserted, updated and deleted rows, and the lake equals the source', async () => {
      await runExpecting(
        `INSERT INTO [u].[Items] VALUES (N'new', 1, N'x', NULL, 9.99, NULL), (N'new', 2, NULL, N'y', NULL, '0001-01-01');
DELETE FROM [u].[Items] WHERE [K2] = 10;
UPDATE [u].[Items] SET [D] = -1.00 WHERE [K2] = 11;`,
        { status: 'ok', rows: 3, upsert: { inserted: 2, updated: 1, deleted: 1, unchanged: ROWS - 2 } },
      );
      // Only deletions: nothing is read, the rows are removed.
      await runExpecting(`DELETE FROM [u].[Items] WHERE [K1] = N'new';`, {
        status: 'ok',
        rows: 0,
        upsert: { inserted: 0, updated: 0, deleted: 2, unchanged: ROWS - 1 },
      });
    });

    it('reads in full when more than 20% of the rows changed, saying why', async () => {
      // K2 = 10 was deleted above: 29 of the 99 rows change.
      await runExpecting(`UPDATE [u].[Items] SET [B] = N'z' WHERE [K2] < 30;`, {
        status: 'ok',
        rows: ROWS - 1,
        upsert: {
          inserted: 0,
          updated: 29,
          deleted: 0,
          unchanged: ROWS - 30,
          full_read: `29 of ${ROWS - 1} rows new or changed (more than 20%)`,
        },
      });
    });
  },
);
