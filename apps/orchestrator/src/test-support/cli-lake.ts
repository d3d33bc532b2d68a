import { readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Emulator } from '@sync/mssql-emulator';
import { type CliRun, runCli } from './run-cli.js';

/**
 * A scratch lake for `sqlsync run` through the built CLI against an emulator: writes a config
 * (JSON) naming the emulator, the lake and the state directory under `work`, and runs it.
 *
 * @example
 * const lake = new CliLake(emulator, work, PASSWORD);
 * const run = await lake.run([{ schema_name: 'q', table_name: 'Rates' }]);
 */
export class CliLake {
  #runs = 0;

  constructor(
    private readonly emulator: Emulator,
    readonly work: string,
    private readonly password: string,
  ) {}

  get lakeRoot(): string {
    return join(this.work, 'lake');
  }

  /** Runs `sqlsync run` with these static tables (snake_case, as in a config file). */
  async run(
    staticTables: readonly Record<string, unknown>[],
    extra: Record<string, unknown> = {},
  ): Promise<CliRun> {
    return this.command(['run'], staticTables, extra);
  }

  /**
   * Runs `sqlsync <args> --config <file>` with a config written as {@link CliLake.run} writes it,
   * e.g. `['repair-scd', '--table', 'dbo.Customers', '--dry-run']`.
   *
   * @example
   * const check = await lake.command(['repair-scd', '--table', 'dbo.Customers', '--dry-run'], [], { scd_tables });
   */
  async command(
    args: readonly string[],
    staticTables: readonly Record<string, unknown>[],
    extra: Record<string, unknown> = {},
  ): Promise<CliRun> {
    const file = join(this.work, `config-${++this.#runs}.json`);
    const document = {
      database: {
        server: '127.0.0.1',
        port: this.emulator.port,
        database: 'master',
        username: 'sa',
        encrypt: false,
      },
      state: { parquet_directory: this.lakeRoot, state_directory: join(this.work, 'state') },
      static_tables: staticTables,
      log_level: 'WARNING',
      ...extra,
    };
    await writeFile(file, JSON.stringify(document));
    return runCli([...args, '--config', file], { ...process.env, SQLSYNC_PASSWORD: this.password });
  }

  /** Every file of a lake table directory by name: its modification time and size, to see what a run rewrote. */
  async files(schema: string, table: string): Promise<Record<string, string>> {
    const dir = join(this.lakeRoot, schema, table);
    const out: Record<string, string> = {};
    for (const name of (await readdir(dir)).sort()) {
      const info = await stat(join(dir, name));
      out[name] = `${info.mtimeMs}:${info.size}`;
    }
    return out;
  }

  /**
   * Every file under a lake table directory, sub-directories included (SCD buckets, partitions),
   * by path relative to it: modification time and size. A run that rewrote a file changes its entry.
   *
   * @example
   * const before = await lake.treeFiles('crm', 'customers'); // { 'bucket=03/part-…-0.parquet': '…:…' }
   */
  async treeFiles(schema: string, table: string): Promise<Record<string, string>> {
    const root = join(this.lakeRoot, schema, table);
    const out: Record<string, string> = {};
    for (const entry of (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    )) {
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path);
      out[relative(root, path)] = `${info.mtimeMs}:${info.size}`;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
