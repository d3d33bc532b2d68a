import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectedReadPlan } from './projected-read-plan.js';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';
import { watermarkLowerBound, watermarkPredicate } from './watermark.js';

const PASSWORD = 'Watermark!Passw0rd';

/** Style 121 text of a datetime2(7) value as this machine's clock would write it: only its shape is checked. */
const DATETIME2_7 = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{7}$/;

describe('SourceConnection.watermark and watermarkPredicate against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Precise] ([Id] int NOT NULL PRIMARY KEY, [Modified At] datetime2(7) NOT NULL);
GO
INSERT INTO [dbo].[Precise] VALUES (1, '2024-01-01 10:00:00.1234560'), (2, '2024-01-01 10:00:00.1234567'),
  (3, '2024-01-01 09:59:59.9999999'), (4, '2023-12-31 23:00:00.0000000');
GO
CREATE TABLE [dbo].[Legacy] ([Id] int NOT NULL, [At] datetime NOT NULL);
GO
INSERT INTO [dbo].[Legacy] VALUES (1, '2024-01-01T10:00:00.000'), (2, '2024-01-01T10:00:00.003'), (3, '2024-01-01T09:00:00.003'), (4, '2024-01-01T09:00:00.007');
GO
CREATE TABLE [dbo].[Small] ([Id] int NOT NULL, [At] smalldatetime NOT NULL);
GO
INSERT INTO [dbo].[Small] VALUES (1, '2024-02-29T23:59:00'), (2, '2024-02-29T23:58:00');
GO
CREATE TABLE [dbo].[Daily] ([Id] int NOT NULL, [Day] date NULL);
GO
INSERT INTO [dbo].[Daily] VALUES (1, '2024-03-01'), (2, '2024-02-29'), (3, NULL);
GO
CREATE TABLE [dbo].[Empty] ([Id] int NOT NULL, [At] datetime2(3) NOT NULL);`);
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  async function ids(table: string, column: string, after: string): Promise<number[]> {
    const plan = await source.describe('dbo', table);
    const rows: number[] = [];
    for await (const batch of source.read(projectedReadPlan(plan, ['Id']), {
      predicate: watermarkPredicate(plan, column, after),
    })) {
      rows.push(...Array.from(batch.getChild('Id')?.toArray() ?? [], Number));
    }
    return rows.sort((a, b) => a - b);
  }

  it('reads MAX of a datetime2(7) column with all 7 digits, and the clock in the same form', async () => {
    const plan = await source.describe('dbo', 'Precise');
    const watermark = await source.watermark(plan, 'Modified At');
    expect(watermark).toMatchObject({ value: '2024-01-01 10:00:00.1234567', type: 'datetime2(7)' });
    expect(watermark.sourceNow).toMatch(DATETIME2_7);
  });

  it('reads after a datetime2(7) watermark exactly to 100 ns', async () => {
    expect(await ids('Precise', 'Modified At', '2024-01-01 10:00:00.1234560')).toEqual([2]);
    expect(await ids('Precise', 'Modified At', '2024-01-01 10:00:00.1234567')).toEqual([]);
    const bound = watermarkLowerBound('2024-01-01 10:00:00.1234567', 60, 'datetime2(7)');
    expect(bound).toBe('2024-01-01 09:00:00.1234567');
    expect(await ids('Precise', 'Modified At', bound)).toEqual([1, 2, 3]);
  });

  it('keeps a datetime in its own type: .003, not .0033333', async () => {
    const plan = await source.describe('dbo', 'Legacy');
    const watermark = await source.watermark(plan, 'At');
    expect(watermark).toMatchObject({ value: '2024-01-01 10:00:00.003', type: 'datetime' });
    expect(watermark.sourceNow).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    // In datetime the bound is exact: rows at .003 are not after it, rows at .007 are.
    expect(await ids('Legacy', 'At', '2024-01-01 10:00:00.003')).toEqual([]);
    expect(await ids('Legacy', 'At', '2024-01-01 10:00:00.000')).toEqual([2]);
    expect(await ids('Legacy', 'At', watermarkLowerBound('2024-01-01 10:00:00.003', 60, 'datetime'))).toEqual(
      [1, 2, 4],
    );
  });

  it('reads a smalldatetime as yyyy-mm-dd hh:mi:ss.000', async () => {
    const plan = await source.describe('dbo', 'Small');
    const watermark = await source.watermark(plan, 'At');
    expect(watermark).toMatchObject({ value: '2024-02-29 23:59:00.000', type: 'smalldatetime' });
    expect(watermark.sourceNow).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00\.000$/);
    expect(await ids('Small', 'At', '2024-02-29 23:58:00.000')).toEqual([1]);
  });

  it('reads a date column in whole days, NULLs aside', async () => {
    const plan = await source.describe('dbo', 'Daily');
    const watermark = await source.watermark(plan, 'Day');
    expect(watermark).toMatchObject({ value: '2024-03-01', type: 'date' });
    expect(watermark.sourceNow).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await ids('Daily', 'Day', '2024-02-29')).toEqual([1]);
    expect(await ids('Daily', 'Day', watermarkLowerBound('2024-03-01', 1, 'date'))).toEqual([1]);
    expect(await ids('Daily', 'Day', watermarkLowerBound('2024-03-01', 1441, 'date'))).toEqual([1, 2]);
  });

  it('is null for an empty table, and honours a predicate', async () => {
    const empty = await source.describe('dbo', 'Empty');
    const watermark = await source.watermark(empty, 'At');
    expect(watermark.value).toBeNull();
    expect(watermark.sourceNow).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    const precise = await source.describe('dbo', 'Precise');
    const where = { sql: '[Id] >= @from', params: [{ name: 'from', type: 'int' as const, value: 3 }] };
    expect((await source.watermark(precise, 'Modified At', where)).value).toBe('2024-01-01 09:59:59.9999999');
  });

  it('refuses a column that cannot be a watermark, naming it', async () => {
    const plan = await source.describe('dbo', 'Precise');
    await expect(source.watermark(plan, 'Id')).rejects.toThrow(
      /dbo\.Precise: last_modified_column Id is int; it must be date, smalldatetime, datetime or datetime2/,
    );
  });
});
