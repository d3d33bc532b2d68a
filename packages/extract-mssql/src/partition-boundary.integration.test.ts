import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionSpecFor } from './partitioning.js';
import { projectedReadPlan } from './projected-read-plan.js';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'Boundary!Passw0rd';

/**
 * One table per parameter type, each on its own scheme, with rows on and around every boundary
 * (and a NULL): the boundaries come back as exact text, and each partition's predicate reads
 * exactly the rows `$PARTITION` puts in it.
 */
const TABLES = [
  { table: 'ByInt', type: 'int', range: 'LEFT', bounds: '-5, 10', values: ['-6', '-5', '0', '10', '11'] },
  {
    table: 'ByDecimal',
    type: 'decimal(19,4)',
    range: 'RIGHT',
    bounds: '10.5',
    values: ['10.4999', '10.5', '11'],
  },
  {
    table: 'ByText',
    type: 'nvarchar(20)',
    range: 'LEFT',
    bounds: "N'g', N'p'",
    values: ["N'a'", "N'g'", "N'h'", "N'p'", "N'z'"],
  },
  {
    table: 'ByInstant',
    type: 'datetime2(7)',
    range: 'RIGHT',
    bounds: "'2024-02-01T00:00:00', '2024-02-01T10:00:00.1234567'",
    values: [
      "'2024-01-31T23:59:59.9999999'",
      "'2024-02-01T00:00:00'",
      "'2024-02-01T10:00:00.1234566'",
      "'2024-02-01T10:00:00.1234567'",
    ],
  },
  {
    table: 'ByDay',
    type: 'date',
    range: 'RIGHT',
    bounds: "'2024-02-01'",
    values: ["'2024-01-31'", "'2024-02-01'"],
  },
] as const;

describe('source partition scheme boundaries against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    for (const t of TABLES) {
      await emulator.exec(`CREATE PARTITION FUNCTION [pf_${t.table}] (${t.type}) AS RANGE ${t.range} FOR VALUES (${t.bounds});
        CREATE PARTITION SCHEME [ps_${t.table}] AS PARTITION [pf_${t.table}] ALL TO ([PRIMARY]);
        CREATE TABLE [dbo].[${t.table}] ([Id] int NOT NULL, [K] ${t.type} NULL) ON [ps_${t.table}]([K]);
        INSERT INTO [dbo].[${t.table}] VALUES ${t.values.map((v, i) => `(${i + 1}, ${v})`).join(', ')}, (99, NULL);`);
    }
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  it('reads each boundary as exact text of the function type', async () => {
    const boundaries = async (table: string) => (await source.partitionScheme('dbo', table))?.boundaries;
    expect(await boundaries('ByInt')).toEqual(['-5', '10']);
    expect(await boundaries('ByDecimal')).toEqual(['10.5000']);
    expect(await boundaries('ByText')).toEqual(['g', 'p']);
    expect(await boundaries('ByInstant')).toEqual([
      '2024-02-01T00:00:00.0000000',
      '2024-02-01T10:00:00.1234567',
    ]);
    expect(await boundaries('ByDay')).toEqual(['2024-02-01']);
    const scheme = await source.partitionScheme('dbo', 'ByInstant');
    expect(scheme).toMatchObject({ parameterDeclaration: 'datetime2(7)', rangeRight: true, column: 'K' });
  });

  it("keys each partition by its lower boundary, and its predicate reads exactly $PARTITION's rows", async () => {
    for (const t of TABLES) {
      const plan = await source.describe('dbo', t.table);
      const scheme = await source.partitionScheme('dbo', t.table);
      const spec = partitionSpecFor(`dbo.${t.table}`, plan.schema.columns, { column: 'K' }, scheme);
      const partitions = await source.partitions(plan, spec);
      for (const partition of partitions) {
        const ids: number[] = [];
        for await (const batch of source.read(projectedReadPlan(plan, ['Id']), {
          predicate: partition.predicate,
        })) {
          ids.push(...Array.from(batch.getChild('Id')?.toArray() ?? [], Number));
        }
        const expected = await partitionIds(t.table, partition.partitionNumber as number);
        expect({ table: t.table, key: partition.key, ids: ids.sort((a, b) => a - b) }).toEqual({
          table: t.table,
          key:
            partition.partitionNumber === 1
              ? null
              : scheme?.boundaries[(partition.partitionNumber as number) - 2],
          ids: expected,
        });
        expect(Number(partition.rowCount)).toBe(expected.length);
      }
      expect(partitions.reduce((n, p) => n + Number(p.rowCount), 0)).toBe(t.values.length + 1);
    }
  });

  /** The ids SQL Server's `$PARTITION` puts in partition `n` (asked of the emulator in T-SQL). */
  async function partitionIds(table: string, n: number): Promise<number[]> {
    const plan = await source.describe('dbo', table);
    const ids: number[] = [];
    for await (const batch of source.read(projectedReadPlan(plan, ['Id']), {
      predicate: {
        sql: `$PARTITION.[pf_${table}]([K]) = @n`,
        params: [{ name: 'n', type: 'int', value: n }],
      },
    })) {
      ids.push(...Array.from(batch.getChild('Id')?.toArray() ?? [], Number));
    }
    return ids.sort((a, b) => a - b);
  }
});
