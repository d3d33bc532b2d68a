import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyHashReadPlan, ROW_HASH_COLUMN } from './key-hash-read.js';
import { keyPredicates } from './key-predicate.js';
import { SourceConnection } from './source-connection.js';
import type { TableHashAlgorithm } from './table-hash.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'KeyHash!Passw0rd';
const ALGORITHMS: readonly TableHashAlgorithm[] = ['hashbytes_sha256', 'hashbytes_md5', 'checksum'];

describe('(key, row hash) reads against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Cells] ([K1] nvarchar(5) NOT NULL, [K2] int NOT NULL,
      [A] nvarchar(5) NULL, [B] nvarchar(5) NULL, [D] decimal(10,2) NULL, [T] datetime2(7) NULL,
      CONSTRAINT [PK_Cells] PRIMARY KEY ([K1], [K2]));
GO
INSERT INTO [dbo].[Cells] VALUES
  (N'n', 1, NULL, N'x', 1.50, '2025-01-01T00:00:00.1234567'),
  (N'e', 2, N'', N'x', 1.50, '2025-01-01T00:00:00.1234567'),
  (N'd', 3, N'a', N'x', 1.50, '2025-01-01T00:00:00.1234567'),
  (N't', 4, N'a', N'x', 1.50, '2025-01-01T00:00:00.1234567'),
  (N's', 5, N'ab', N'c', 1.50, '2025-01-01T00:00:00.1234567');`);
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  /** `K1/K2` → the row hash as hex, for one algorithm. */
  async function hashes(algorithm: TableHashAlgorithm): Promise<Record<string, string>> {
    const plan = await source.describe('dbo', 'Cells');
    const stream = source.read(keyHashReadPlan(plan, ['K1', 'K2'], algorithm));
    const out: Record<string, string> = {};
    for await (const batch of stream) {
      for (const row of batch.toArray()) {
        const value = row[ROW_HASH_COLUMN] as Uint8Array | number;
        out[`${row.K1}/${row.K2}`] =
          typeof value === 'number'
            ? (value >>> 0).toString(16).padStart(8, '0')
            : Buffer.from(value).toString('hex');
      }
    }
    return out;
  }

  it.each(ALGORITHMS)(
    '%s: one changed cell changes exactly that row hash; 1.50 -> 1.5 changes nothing',
    async (algorithm) => {
      const before = await hashes(algorithm);
      const bytes = algorithm === 'hashbytes_sha256' ? 32 : algorithm === 'hashbytes_md5' ? 16 : 4;
      expect(Object.values(before).every((h) => h.length === bytes * 2)).toBe(true);
      await emulator.exec(`UPDATE [dbo].[Cells] SET [A] = N'' WHERE [K2] = 1;
UPDATE [dbo].[Cells] SET [A] = NULL WHERE [K2] = 2;
UPDATE [dbo].[Cells] SET [D] = 1.5 WHERE [K2] = 3;
UPDATE [dbo].[Cells] SET [T] = '2025-01-01T00:00:00.1234568' WHERE [K2] = 4;
UPDATE [dbo].[Cells] SET [A] = N'a', [B] = N'bc' WHERE [K2] = 5;`);
      try {
        const after = await hashes(algorithm);
        const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
        expect(changed.sort()).toEqual(['e/2', 'n/1', 's/5', 't/4']);
      } finally {
        await emulator.exec(`UPDATE [dbo].[Cells] SET [A] = NULL WHERE [K2] = 1;
UPDATE [dbo].[Cells] SET [A] = N'' WHERE [K2] = 2;
UPDATE [dbo].[Cells] SET [T] = '2025-01-01T00:00:00.1234567' WHERE [K2] = 4;
UPDATE [dbo].[Cells] SET [A] = N'ab', [B] = N'c' WHERE [K2] = 5;`);
      }
      expect(await hashes(algorithm)).toEqual(before);
    },
  );

  it('reads only the rows of the given composite keys through bound parameters', async () => {
    const plan = await source.describe('dbo', 'Cells');
    const [predicate] = keyPredicates(
      plan,
      ['K1', 'K2'],
      [
        ['s', '5'],
        ['n', '1'],
        ['s', '1'],
      ],
    );
    const keys: string[] = [];
    for await (const batch of source.read(plan, { ...(predicate === undefined ? {} : { predicate }) })) {
      keys.push(...batch.toArray().map((row) => `${row.K1}/${row.K2}`));
    }
    expect(keys.sort()).toEqual(['n/1', 's/5']);
  });

  it('refuses a key column the plan does not read', async () => {
    const plan = await source.describe('dbo', 'Cells');
    expect(() => keyHashReadPlan(plan, ['Nope'], 'checksum')).toThrow(
      'dbo.Cells: key column Nope is not a column the table is read with',
    );
  });
});
