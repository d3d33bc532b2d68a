import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type PipelineConfig, parseConfig, type StaticTableConfig } from '@sync/core';
import { SourceConnection } from '@sync/extract-mssql';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import type { UnitContext } from '../unit-context.js';

export const TEST_PASSWORD = 'Handlers!Passw0rd';

/** A config with one static table `dbo.<table>` → `ref.<target>`, lake and state under `root`. */
export function staticTableConfig(port: number, root: string, table: string, target: string): PipelineConfig {
  return parseConfig({
    database: {
      server: '127.0.0.1',
      port,
      database: 'master',
      username: 'sa',
      password: TEST_PASSWORD,
      encrypt: false,
    },
    state: { parquet_directory: join(root, 'lake'), state_directory: join(root, 'state') },
    static_tables: [{ schema_name: 'dbo', table_name: table, target_schema: 'ref', target_table: target }],
  });
}

/** An emulator seeded by `seed`, a temp directory and a unit context for one static table. */
export interface StaticTableContext {
  readonly emulator: Emulator;
  readonly work: string;
  readonly config: PipelineConfig;
  readonly table: StaticTableConfig;
  readonly source: SourceConnection;
  readonly ctx: UnitContext;
  close(): Promise<void>;
}

/** Starts the emulator, runs `seed` on it, and opens a source for `dbo.<table>`. */
export async function startStaticTableContext(
  table: string,
  target: string,
  seed: (emulator: Emulator) => Promise<void>,
): Promise<StaticTableContext> {
  const work = await mkdtemp(join(tmpdir(), 'sqlsync-handlers-'));
  const emulator = await startEmulator({ port: 0, password: TEST_PASSWORD });
  await seed(emulator);
  const config = staticTableConfig(emulator.port, work, table, target);
  const source = await SourceConnection.open(config.database);
  return {
    emulator,
    work,
    config,
    table: config.staticTables[0] as StaticTableConfig,
    source,
    ctx: { config, source, logger: createLogger({ level: 'silent' }) },
    async close() {
      await source.close();
      await emulator.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
