import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'PrimaryKey!Passw0rd';

describe('SourceConnection.primaryKey against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Lines] ([Note] nvarchar(10) NULL, [LineNo] int NOT NULL, [Order Id] int NOT NULL,
      CONSTRAINT [PK_Lines] PRIMARY KEY ([Order Id], [LineNo]));
GO
CREATE TABLE [dbo].[Single] ([Code] nvarchar(3) NOT NULL PRIMARY KEY, [Rate] decimal(9,2) NULL);
GO
CREATE TABLE [dbo].[Heap] ([A] int NOT NULL, [B] int NULL);`);
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  it('lists a composite key in key order, not column order', async () => {
    expect(await source.primaryKey('dbo', 'Lines')).toEqual(['Order Id', 'LineNo']);
  });

  it('lists a one-column key', async () => {
    expect(await source.primaryKey('dbo', 'Single')).toEqual(['Code']);
  });

  it('is empty for a table without a primary key', async () => {
    expect(await source.primaryKey('dbo', 'Heap')).toEqual([]);
  });
});
