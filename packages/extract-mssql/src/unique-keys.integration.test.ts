import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'UniqueKeys!Passw0rd';

describe('SourceConnection.uniqueKeys against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Keyed] ([Id] int NOT NULL PRIMARY KEY, [Email] nvarchar(100) NOT NULL);
GO
CREATE TABLE [dbo].[Heap] ([A] int NOT NULL, [B] int NULL);
GO
CREATE TABLE [dbo].[Customers] ([Id] int NOT NULL, [Region] nchar(2) NOT NULL, [No] int NOT NULL, [Email] nvarchar(100) NULL,
  CONSTRAINT [PK_Customers] PRIMARY KEY ([Id]),
  CONSTRAINT [UQ_Customers_RegionNo] UNIQUE ([No], [Region]));
GO
CREATE UNIQUE INDEX [UX_Customers_Email] ON [dbo].[Customers] ([Email]) WHERE [Email] IS NOT NULL;`);
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  it('leaves out the primary key', async () => {
    expect(await source.uniqueKeys('dbo', 'Keyed')).toEqual([]);
  });

  it('is empty for a heap', async () => {
    expect(await source.uniqueKeys('dbo', 'Heap')).toEqual([]);
  });

  it('lists a unique constraint in key order and leaves out a filtered unique index', async () => {
    expect(await source.uniqueKeys('dbo', 'Customers')).toEqual([['No', 'Region']]);
  });

  it('is empty for a table that is not there', async () => {
    expect(await source.uniqueKeys('dbo', 'Nope')).toEqual([]);
  });
});
