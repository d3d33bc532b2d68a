import { SqlSyncError } from '@sync/core';
import type { Data, RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyHashReadPlan, ROW_HASH_COLUMN } from './key-hash-read.js';
import { SourceConnection } from './source-connection.js';
import { emulatorTarget, type SqlServerTarget, uniqueTableName } from './test-support/sql-server-targets.js';

/**
 * A datetimeoffset reaches the record batches as its UTC instant (µs) plus its offset in minutes
 * in the companion column after it, exactly, at the offsets' range ends and in between; a change
 * of offset alone changes the table hash and the row hash.
 */
const ROWS = `
  (1, '2024-03-10 09:15:30.1234567 -14:00', N'a'),
  (2, '2024-03-10 09:15:30.123456 +05:45', N'b'),
  (3, '0001-01-01 14:00:00 +14:00', N'c'),
  (4, '9999-12-31 09:59:59.999999 -14:00', N'd'),
  (5, '2024-01-01 00:00:00 +00:00', N'e'),
  (6, NULL, NULL)`;

const micros = (utcMs: number, extraMicros = 0): bigint => BigInt(utcMs) * 1000n + BigInt(extraMicros);

/** A fixed-width column's raw values (NULL slots as null), over all batches. */
function rawValues(batches: readonly RecordBatch[], name: string): (number | bigint | null)[] {
  return batches.flatMap((batch) => {
    const data = batch.getChild(name)?.data[0] as Data | undefined;
    if (data === undefined) {
      throw new Error(`no column ${name}`);
    }
    const values = data.values as Int16Array | Int32Array | BigInt64Array;
    return Array.from({ length: data.length }, (_, i) =>
      data.getValid(i) ? (values[i] as number | bigint) : null,
    );
  });
}

describe('datetimeoffset with its offset, on the emulator', () => {
  let server: SqlServerTarget;
  let source: SourceConnection;
  const table = uniqueTableName('sqlsync_dto');
  const clash = uniqueTableName('sqlsync_dto_clash');

  beforeAll(async () => {
    server = await emulatorTarget();
    await server.exec(
      `CREATE TABLE [dbo].[${table}] ([Id] int NOT NULL PRIMARY KEY, [At] datetimeoffset(7) NULL, [S] nvarchar(10) NULL);`,
    );
    await server.exec(`INSERT INTO [dbo].[${table}] VALUES ${ROWS};`);
    await server.exec(
      `CREATE TABLE [dbo].[${clash}] ([Id] int NOT NULL, [At] datetimeoffset(0) NULL, [at_OFFSET_minutes] int NULL);`,
    );
    source = await SourceConnection.open(server.options);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    for (const name of [table, clash]) {
      await server?.exec(`DROP TABLE IF EXISTS [dbo].[${name}];`).catch(() => undefined);
    }
    await server?.close();
  });

  it('reads the UTC instant and the offset in minutes, exactly, NULL for NULL', async () => {
    const plan = await source.describe('dbo', table);
    expect(plan.schema.columns.map((c) => [c.name, c.lakeType.kind, c.offsetOf])).toEqual([
      ['Id', 'int32', undefined],
      ['At', 'timestamptz_us', undefined],
      ['At_offset_minutes', 'int16', 'At'],
      ['S', 'string', undefined],
    ]);
    const stream = source.read(plan);
    const batches: RecordBatch[] = [];
    for await (const batch of stream) {
      batches.push(batch);
    }
    expect(batches[0]?.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'Id:Int32',
      'At:Timestamp<MICROSECOND, UTC>',
      'At_offset_minutes:Int16',
      'S:Utf8',
    ]);
    expect(rawValues(batches, 'Id')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rawValues(batches, 'At')).toEqual([
      micros(Date.UTC(2024, 2, 10, 23, 15, 30), 123_456), // 09:15 at −14:00; the 100 ns digit dropped
      micros(Date.UTC(2024, 2, 10, 3, 30, 30), 123_456), // 09:15 at +05:45
      -62_135_596_800_000_000n, // 0001-01-01 00:00 UTC
      253_402_300_799_999_999n, // 9999-12-31 23:59:59.999999 UTC
      micros(Date.UTC(2024, 0, 1)),
      null,
    ]);
    expect(rawValues(batches, 'At_offset_minutes')).toEqual([-840, 345, 840, -840, 0, null]);
    expect(stream.stats.droppedSubMicrosecondValues).toBe(1);
  });

  it('sees a change of offset alone in the table hash and the row hash', async () => {
    const plan = await source.describe('dbo', table);
    const rowHashes = async (): Promise<Map<number, string>> => {
      const hashes = new Map<number, string>();
      for await (const batch of source.read(keyHashReadPlan(plan, ['Id'], 'hashbytes_sha256'))) {
        const ids = batch.getChild('Id')?.toArray() as Int32Array;
        const hash = batch.getChild(ROW_HASH_COLUMN);
        ids.forEach((id, i) => {
          hashes.set(id, Buffer.from(hash?.get(i) as Uint8Array).toString('hex'));
        });
      }
      return hashes;
    };
    const tableHash = await source.tableHash(plan, 'hashbytes_sha256');
    const before = await rowHashes();
    // The same instant at another offset: 2024-01-01 00:00 UTC is 01:00 at +01:00.
    await server.exec(`UPDATE [dbo].[${table}] SET [At] = SWITCHOFFSET([At], '+01:00') WHERE [Id] = 5;`);
    try {
      const after = await rowHashes();
      expect([...after.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
      expect([...after].filter(([id, hash]) => before.get(id) !== hash).map(([id]) => id)).toEqual([5]);
      expect(await source.tableHash(plan, 'hashbytes_sha256')).not.toBe(tableHash);
      const batches: RecordBatch[] = [];
      for await (const batch of source.read(plan)) {
        batches.push(batch);
      }
      expect(rawValues(batches, 'At')[4]).toBe(micros(Date.UTC(2024, 0, 1)));
      expect(rawValues(batches, 'At_offset_minutes')[4]).toBe(60);
    } finally {
      await server.exec(`UPDATE [dbo].[${table}] SET [At] = SWITCHOFFSET([At], '+00:00') WHERE [Id] = 5;`);
    }
  });

  it('refuses a table with a column named like a companion, naming table and column', async () => {
    const attempt = source.describe('dbo', clash);
    await expect(attempt).rejects.toThrow(SqlSyncError);
    await expect(attempt).rejects.toMatchObject({
      code: 'SOURCE_SCHEMA',
      context: { table: `dbo.${clash}`, column: 'at_OFFSET_minutes' },
    });
    await expect(attempt).rejects.toThrow(
      `dbo.${clash}.at_OFFSET_minutes: the column has the name of the companion column sqlsync adds for datetimeoffset column At`,
    );
  });
});
