import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELECT_PERMISSION_QUERY } from './select-permission.js';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'Perms!Passw0rd';

describe('SourceConnection.canSelect against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE SCHEMA [odd name];`);
    await emulator.exec(`CREATE TABLE [odd name].[Order Lines] ([Id] int NOT NULL PRIMARY KEY);`);
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  it('answers true for a table (names bound, quoted server-side) and undefined for a missing one', async () => {
    expect(await source.canSelect('odd name', 'Order Lines')).toBe(true);
    expect(await source.canSelect('odd name', 'Nope')).toBeUndefined();
    const sent = emulator.statements.filter((s) => s.sql === SELECT_PERMISSION_QUERY);
    expect(sent.length).toBe(2);
  });
});
