import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `
      CREATE PARTITION FUNCTION [pf_month] (datetime2(3)) AS RANGE RIGHT
        FOR VALUES ('2024-02-01T00:00:00', '2024-03-01T00:00:00');
      CREATE PARTITION SCHEME [ps_month] AS PARTITION [pf_month] ALL TO ([PRIMARY]);
      CREATE TABLE [dbo].[Orders] ([Id] bigint NOT NULL, [OrderDate] datetime2(3) NOT NULL,
        [Amount] decimal(19,4) NULL, [ModifiedAt] datetime2(3) NOT NULL,
        CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([Id], [OrderDate])) ON [ps_month]([OrderDate]);
      INSERT INTO dbo.Orders VALUES
        (1, '2024-01-15', 1.5, '2024-05-01'), (2, '2024-02-01', 2.5, '2024-05-02'),
        (3, '2024-02-20', 3.5, '2024-05-03'), (4, '2024-03-01', 4.5, '2024-05-04'),
        (5, '2024-03-02', 5.5, '2024-05-05');
      CREATE PARTITION FUNCTION [pf_left] (int) AS RANGE LEFT FOR VALUES (10, 20);`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('partition functions and schemes', () => {
  it('describes the scheme in the catalog the way the extractor reads it', async () => {
    const r = await pool
      .request()
      .input('schema', sql.NVarChar(128), 'dbo')
      .input('table', sql.NVarChar(128), 'Orders')
      .query(`SELECT ps.name AS scheme_name, pf.name AS function_name, pf.function_id,
          pf.boundary_value_on_right, c.name AS column_name
        FROM sys.tables AS t
        JOIN sys.schemas AS s ON s.schema_id = t.schema_id
        JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.index_id IN (0, 1)
        JOIN sys.partition_schemes AS ps ON ps.data_space_id = i.data_space_id
        JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id
        JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
        JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        WHERE s.name = @schema AND t.name = @table;`);
    expect(r.recordset).toHaveLength(1);
    const row = r.recordset[0];
    expect(row).toMatchObject({
      scheme_name: 'ps_month',
      function_name: 'pf_month',
      boundary_value_on_right: true,
    });
    expect(row.column_name).toBe('OrderDate');
    const b = await pool
      .request()
      .input('function_id', sql.Int, row.function_id)
      .query(
        'SELECT prv.boundary_id, prv.value FROM sys.partition_range_values AS prv WHERE prv.function_id = @function_id ORDER BY prv.boundary_id;',
      );
    expect(b.recordset.map((x: { value: Date }) => x.value.toISOString())).toEqual([
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    const ints = await pool
      .request()
      .query(
        "SELECT prv.value FROM sys.partition_range_values AS prv JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_left' ORDER BY prv.boundary_id",
      );
    expect(ints.recordset.map((x: { value: number }) => x.value)).toEqual([10, 20]);
  });

  it('assigns rows with $PARTITION (RANGE RIGHT and LEFT) and counts them per partition', async () => {
    const r = await pool
      .request()
      .query('SELECT [Id], $PARTITION.[pf_month]([OrderDate]) AS p FROM [dbo].[Orders] ORDER BY [Id]');
    expect(r.recordset.map((x: { p: number }) => x.p)).toEqual([1, 2, 2, 3, 3]);
    const left = await pool
      .request()
      .query(
        'SELECT $PARTITION.pf_left(10) AS a, $PARTITION.pf_left(11) AS b, $PARTITION.pf_left(NULL) AS c',
      );
    expect(left.recordset[0]).toEqual({ a: 1, b: 2, c: 1 });
    const stats = await pool.request().query(`SELECT p.partition_number, SUM(p.row_count) AS row_count
      FROM sys.dm_db_partition_stats AS p JOIN sys.tables AS t ON t.object_id = p.object_id
      JOIN sys.schemas AS s ON s.schema_id = t.schema_id
      WHERE s.name = 'dbo' AND t.name = 'Orders' AND p.index_id IN (0, 1)
      GROUP BY p.partition_number ORDER BY p.partition_number`);
    expect(stats.recordset.map((x: { row_count: unknown }) => Number(x.row_count))).toEqual([1, 2, 2]);
  });

  it('computes fingerprints per partition that change when a row changes', async () => {
    const fingerprint = async (): Promise<
      { partition_key: number; row_count: string; checksum: number; max_modified: string }[]
    > =>
      (
        await pool
          .request()
          .query(`SELECT $PARTITION.[pf_month]([OrderDate]) AS [partition_key], COUNT_BIG(*) AS [row_count],
          CHECKSUM_AGG(BINARY_CHECKSUM(*)) AS [checksum], CONVERT(varchar(40), MAX([ModifiedAt]), 126) AS [max_modified]
          FROM [dbo].[Orders] GROUP BY $PARTITION.[pf_month]([OrderDate]) ORDER BY $PARTITION.[pf_month]([OrderDate]);`)
      ).recordset;
    const before = await fingerprint();
    expect(before.map((x) => [x.partition_key, x.row_count, x.max_modified])).toEqual([
      [1, '1', '2024-05-01T00:00:00.000'],
      [2, '2', '2024-05-03T00:00:00.000'],
      [3, '2', '2024-05-05T00:00:00.000'],
    ]);
    await pool
      .request()
      .input('n', sql.Int, 2)
      .query(
        'UPDATE [dbo].[Orders] SET [Amount] = [Amount] + 1 WHERE $PARTITION.[pf_month]([OrderDate]) = @n AND [Id] = 3',
      );
    const after = await fingerprint();
    expect(after[0]?.checksum).toBe(before[0]?.checksum);
    expect(after[1]?.checksum).not.toBe(before[1]?.checksum);
    expect(after[2]?.checksum).toBe(before[2]?.checksum);
  });
});
