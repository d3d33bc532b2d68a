import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import type { CliRun } from './test-support/run-cli.js';

const PASSWORD = 'Quality!Passw0rd';

/** The failed table's error in the summary. */
function tableError(run: CliRun): { code?: string; message?: string } {
  return (run.summary().tables?.[0]?.error ?? {}) as { code?: string; message?: string };
}

// Each test is a few real CLI runs (a Node process each) on a possibly busy machine.
describe('data_quality checks through the CLI', { timeout: 120_000 }, () => {
  let emulator: Emulator;
  let work: string;
  let lake: CliLake;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-quality-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE SCHEMA [q];
GO
CREATE TABLE [q].[Rates] ([Code] nvarchar(3) NOT NULL PRIMARY KEY, [Rate] decimal(9,4) NOT NULL, [Fee] decimal(9,2) NULL);
GO
INSERT INTO [q].[Rates] VALUES (N'EUR', 1.0000, 0.10), (N'JPY', 0.0061, NULL), (N'USD', 0.9100, 0.25);
GO
CREATE TABLE [q].[Heap] ([Region] nvarchar(2) NOT NULL, [Code] nvarchar(3) NOT NULL, [Rate] decimal(9,4) NULL);
GO
INSERT INTO [q].[Heap] VALUES (N'ab', N'c', 1), (N'a', N'bc', 2), (N'eu', N'EUR', 3), (N'eu', N'EUR', 4);`);
    lake = new CliLake(emulator, work, PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('publishes a table whose checks all pass (primary key from the catalog)', async () => {
    const run = await lake.run([
      {
        schema_name: 'q',
        table_name: 'Rates',
        data_quality: {
          primary_key_unique: true,
          not_null_columns: ['Code', 'Rate'],
          min_rows: 3,
          max_rows: 3,
        },
      },
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary()).toMatchObject({ status: 'ok', total_records: 3 });
  });

  it('primary_key_unique fails on a repeated composite key, names it, and publishes nothing', async () => {
    const first = await lake.run([{ schema_name: 'q', table_name: 'Heap' }]);
    expect(first.code, first.stderr).toBe(0);
    const before = await lake.files('q', 'Heap');
    const run = await lake.run([
      {
        schema_name: 'q',
        table_name: 'Heap',
        primary_key_columns: ['Region', 'Code'],
        data_quality: { primary_key_unique: true },
      },
    ]);
    expect(run.code).toBe(1);
    expect(tableError(run)).toMatchObject({
      code: 'DATA_QUALITY',
      message:
        "q.Heap: data quality check failed, nothing published: primary_key_unique: key (Region, Code) = ('eu', 'EUR') is held by 2 rows",
    });
    // ('ab','c') and ('a','bc') are different keys: only ('eu','EUR') repeats.
    expect(await lake.files('q', 'Heap')).toEqual(before);
  });

  it('primary_key_unique on a table without a primary key asks for primary_key_columns', async () => {
    const run = await lake.run([
      { schema_name: 'q', table_name: 'Heap', data_quality: { primary_key_unique: true } },
    ]);
    expect(run.code).toBe(1);
    expect(tableError(run)).toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'q.Heap: data_quality.primary_key_unique: the table has no primary key in the source; set primary_key_columns',
    });
  });

  it('not_null_columns fails naming the column, its NULL count and the key of a row holding one', async () => {
    const before = await lake.files('q', 'Rates');
    const run = await lake.run([
      {
        schema_name: 'q',
        table_name: 'Rates',
        data_quality: { primary_key_unique: true, not_null_columns: ['Rate', 'Fee'] },
      },
    ]);
    expect(run.code).toBe(1);
    expect(tableError(run)).toMatchObject({
      code: 'DATA_QUALITY',
      message:
        "q.Rates: data quality check failed, nothing published: not_null_columns: column Fee holds 1 NULL (e.g. the row with Code = 'JPY')",
    });
    expect(await lake.files('q', 'Rates')).toEqual(before);
  });

  it('not_null_columns naming a column the table lacks is a config error naming it', async () => {
    const run = await lake.run([
      { schema_name: 'q', table_name: 'Rates', data_quality: { not_null_columns: ['Nope'] } },
    ]);
    expect(run.code).toBe(1);
    expect(tableError(run)).toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'q.Rates: data_quality.not_null_columns names column Nope, which the table does not have (or which unsupported_types skips)',
    });
  });

  it('min_rows fails when the table has fewer rows, and publishes nothing', async () => {
    const before = await lake.files('q', 'Rates');
    const run = await lake.run([{ schema_name: 'q', table_name: 'Rates', data_quality: { min_rows: 4 } }]);
    expect(run.code).toBe(1);
    expect(tableError(run)).toMatchObject({
      code: 'DATA_QUALITY',
      message: 'q.Rates: data quality check failed, nothing published: min_rows: 3 rows, at least 4 expected',
    });
    expect(await lake.files('q', 'Rates')).toEqual(before);
  });

  it('max_rows fails when the table has more rows (custom_where_clause counts)', async () => {
    const narrowed = await lake.run([
      {
        schema_name: 'q',
        table_name: 'Rates',
        custom_where_clause: "[Code] <> N'JPY'",
        data_quality: { max_rows: 2 },
      },
    ]);
    expect(narrowed.code, narrowed.stderr).toBe(0);
    const run = await lake.run([{ schema_name: 'q', table_name: 'Rates', data_quality: { max_rows: 2 } }]);
    expect(run.code).toBe(1);
    expect(tableError(run)).toMatchObject({
      code: 'DATA_QUALITY',
      message: 'q.Rates: data quality check failed, nothing published: max_rows: 3 rows, at most 2 expected',
    });
  });
});
