import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@sync/core';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../dist/cli-main.js';
import { type RecordingProxy, startRecordingProxy } from './test-support/recording-proxy.js';

// One test per config field whose effect is not shown elsewhere: each runs `sqlsync run` in-process
// against the emulator with the field set, and looks at what changed.

const PASSWORD = 'Fields!Passw0rd';

interface Run {
  readonly code: number;
  readonly summary: Record<string, unknown> & { tables: Record<string, unknown>[] };
  readonly logs: Record<string, unknown>[];
}

// Generous limits: each test is a few real runs, and the machine may be busy.
describe('config fields change what sqlsync run does', { timeout: 60_000 }, () => {
  let emulator: Emulator;
  let proxy: RecordingProxy;
  let work: string;
  let runs = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-fields-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    proxy = await startRecordingProxy(emulator.port);
    await emulator.exec(`CREATE SCHEMA [shop];
GO
CREATE TABLE [shop].[Small] ([Id] int NOT NULL PRIMARY KEY, [Amount] decimal(18,2) NULL);
GO
INSERT INTO [shop].[Small] VALUES (1, 1.50), (2, NULL), (3, -2.25);
GO
CREATE TABLE [shop].[Facts] ([Id] int NOT NULL, [Cob] int NOT NULL, [Amount] decimal(18,2) NULL);
GO
INSERT INTO [shop].[Facts] VALUES (1, 20240101, 1.00), (2, 20240102, 2.00), (3, 20240103, 3.00);`);
  }, 60_000);

  afterEach(() => {
    emulator.faults.reset();
    emulator.clearStatements();
    proxy.reset();
  });

  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** The emulator's connection settings, through the proxy; `database` entries override them. */
  function document(fields: Record<string, unknown>): Record<string, unknown> {
    const name = `run${++runs}`;
    const { database, state, ...rest } = fields as {
      database?: Record<string, unknown>;
      state?: Record<string, unknown>;
    };
    return {
      database: {
        server: '127.0.0.1',
        port: proxy.port,
        database: 'master',
        username: 'sa',
        password: PASSWORD,
        encrypt: false,
        ...database,
      },
      state: {
        parquet_directory: join(work, name, 'lake'),
        state_directory: join(work, name, 'state'),
        ...state,
      },
      static_tables: [{ schema_name: 'shop', table_name: 'Small' }],
      // Worker threads log to stderr at this level; the retry warnings the tests read are kept.
      log_level: 'WARNING',
      ...rest,
    };
  }

  async function run(doc: Record<string, unknown>): Promise<Run> {
    const file = join(work, `config-${++runs}.json`);
    await writeFile(file, JSON.stringify(doc));
    const out: string[] = [];
    const logs: Record<string, unknown>[] = [];
    const destination = { write: (line: string) => logs.push(JSON.parse(line)) };
    const code = await main(['run', '--config', file], {
      stdout: (line) => out.push(line),
      stderr: () => undefined,
      env: {},
      createLogger: (options) => createLogger({ ...options, destination }),
    });
    return { code, summary: JSON.parse(out[out.length - 1] ?? '{}'), logs };
  }

  function errorOf(result: Run): { code?: string; message?: string } {
    const error = result.summary.error ?? result.summary.tables[0]?.error;
    return (error ?? {}) as { code?: string; message?: string };
  }

  it('pipeline_name names the run in its summary', async () => {
    const result = await run(document({ pipeline_name: 'shop_nightly' }));
    expect(result.code).toBe(0);
    expect(result.summary).toMatchObject({ status: 'ok', pipeline_name: 'shop_nightly', total_records: 3 });
  });

  it('custom_where_clause filters every source query of the table, validation included', async () => {
    const result = await run(
      document({
        static_tables: [{ schema_name: 'shop', table_name: 'Small', custom_where_clause: '[Id] <> 2' }],
      }),
    );
    expect(result.summary).toMatchObject({ status: 'ok', total_records: 2 });
  });

  it('database.encrypt: false connects in the clear; true refuses a server offering no TLS (this emulator) before the login', async () => {
    expect((await run(document({ database: { encrypt: false } }))).code).toBe(0);
    expect(new Set(proxy.encryptionRequests)).toEqual(new Set(['NOT_SUP'])); // no TLS at all
    proxy.reset();
    // tedious alone would go on in the clear after the server's ENCRYPT_NOT_SUP; sqlsync refuses.
    const result = await run(document({ database: { encrypt: true }, processing: { retry_attempts: 0 } }));
    expect(result.code).toBe(1);
    expect(errorOf(result).message).toMatch(/does not support encryption.*database\.encrypt: false/);
    expect(new Set(proxy.encryptionRequests)).toEqual(new Set(['ON']));
    expect(proxy.logins).toEqual([]); // no LOGIN7, so no password, went over the wire
  });

  it('database.connection_timeout: a server that never answers the login fails after that many seconds', async () => {
    const silent: Socket[] = [];
    const server = createServer((socket) => silent.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const started = performance.now();
      const result = await run(
        document({ database: { port, connection_timeout: 1 }, processing: { retry_attempts: 0 } }),
      );
      expect(result.code).toBe(1);
      expect(errorOf(result).message).toMatch(/in 1000ms/);
      expect(performance.now() - started).toBeLessThan(20_000); // the default is 30 s
    } finally {
      for (const socket of silent) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('database.command_timeout: a statement slower than that many seconds fails', async () => {
    emulator.faults.latencyMs = 1500;
    const result = await run(
      document({ database: { command_timeout: 1 }, processing: { retry_attempts: 0 } }),
    );
    expect(result.code).toBe(1);
    expect(errorOf(result).message).toMatch(/Timeout: Request failed to complete in 1000ms/);
  });

  it('database.application_name and packet_size are what the login asks SQL Server for', async () => {
    const custom = await run(document({ database: { application_name: 'nightly-etl', packet_size: 8192 } }));
    expect(custom.code).toBe(0);
    expect(proxy.logins.length).toBeGreaterThan(0);
    expect(new Set(proxy.logins.map((l) => `${l.appName}/${l.packetSize}`))).toEqual(
      new Set(['nightly-etl/8192']),
    );
    proxy.reset();
    expect((await run(document({}))).code).toBe(0);
    expect(new Set(proxy.logins.map((l) => `${l.appName}/${l.packetSize}`))).toEqual(
      new Set(['sqlsync/32767']),
    );
  });

  it('processing.max_workers and partition_parallel_limit bound the units running at once (one connection each)', async () => {
    const facts = {
      schema_name: 'shop',
      table_name: 'Facts',
      partition_column: 'Cob',
      newest_partitions_to_refresh: 0,
    };
    // Connections stay open until the run ends: the peak is the pipeline's own plus one per executor used.
    const peak = async (processing: Record<string, number>): Promise<number> => {
      proxy.reset();
      const result = await run(document({ processing, static_tables: [], partition_tables: [facts] }));
      expect(result.summary).toMatchObject({ status: 'ok', total_records: 3 });
      expect(result.summary.tables[0]?.units).toHaveLength(3);
      return proxy.peakConnections;
    };
    expect(await peak({ max_workers: 1, partition_parallel_limit: 4 })).toBe(2);
    expect(await peak({ max_workers: 3, partition_parallel_limit: 1 })).toBe(2);
    expect(await peak({ max_workers: 3, partition_parallel_limit: 4 })).toBe(4);
  });

  it('processing.retry_attempts and retry_delay_seconds: a deadlocked read is retried after the delay, capped at 1 s', async () => {
    const retries = (result: Run) => result.logs.filter((l) => l.msg === 'unit failed; retrying');
    // The unit's read (not the table hash the snapshot takes first, which is not a unit's to retry).
    const read = /^SELECT \[Id\].*FROM \[shop\]\.\[Small\]/s;

    emulator.faults.failNext(read, 1205);
    const none = await run(document({ processing: { retry_attempts: 0 } }));
    expect(none.code).toBe(1);
    expect(errorOf(none)).toMatchObject({ code: 'SOURCE_QUERY', message: expect.stringContaining('1205') });
    expect(retries(none)).toEqual([]);

    emulator.faults.failNext(read, 1205);
    const immediate = await run(document({ processing: { retry_attempts: 1, retry_delay_seconds: 0 } }));
    expect(immediate.summary).toMatchObject({ status: 'ok', total_records: 3 });
    expect(retries(immediate).map((l) => l.delayMs)).toEqual([0]);

    emulator.faults.failNext(read, 1205);
    const capped = await run(document({})); // retry_delay_seconds 30: the first wait is 0.5-1 s, not 15-30 s
    expect(capped.summary).toMatchObject({ status: 'ok', total_records: 3 });
    const [delay] = retries(capped).map((l) => l.delayMs as number);
    expect(delay).toBeGreaterThanOrEqual(500);
    expect(delay).toBeLessThanOrEqual(1000);
  });

  it('processing.retry_attempts also covers the snapshot: a deadlocked table-hash query is retried', async () => {
    const retries = (result: Run) => result.logs.filter((l) => l.msg === 'snapshot failed; retrying');
    const hash = /HASHBYTES.*FROM \[shop\]\.\[Small\]/s;

    emulator.faults.failNext(hash, 1205);
    const none = await run(document({ processing: { retry_attempts: 0 } }));
    expect(none.code).toBe(1);
    expect(errorOf(none)).toMatchObject({ message: expect.stringContaining('1205') });
    expect(retries(none)).toEqual([]);

    emulator.faults.failNext(hash, 1205);
    const retried = await run(document({ processing: { retry_attempts: 1, retry_delay_seconds: 0 } }));
    expect(retried.summary).toMatchObject({ status: 'ok' });
    expect(retries(retried)).toHaveLength(1);
  });

  it('processing.validate_precision_end_to_end: false skips the source figures (COUNT_BIG and exact SUMs)', async () => {
    const figures = () => emulator.statements.filter((s) => s.sql.includes('COUNT_BIG(*) AS [row_count]'));
    expect((await run(document({}))).code).toBe(0);
    expect(figures()).toHaveLength(1);
    emulator.clearStatements();
    expect((await run(document({ processing: { validate_precision_end_to_end: false } }))).code).toBe(0);
    expect(figures()).toEqual([]);
  });

  it('state.backup_state_before_run keeps the previous state file as <file>.bak', async () => {
    for (const backup of [true, false]) {
      const state = join(work, `backup-${backup}`);
      const doc = document({ state: { state_directory: state, backup_state_before_run: backup } });
      expect((await run(doc)).code).toBe(0);
      expect((await run(doc)).code).toBe(0);
      expect(existsSync(join(state, 'shop.Small.json'))).toBe(true);
      expect(existsSync(join(state, 'shop.Small.json.bak'))).toBe(backup);
    }
  });

  it('log_file gets the log lines of the main thread and of every unit, worker threads included', async () => {
    const logFile = join(work, 'log-file', 'sqlsync.log');
    const facts = { schema_name: 'shop', table_name: 'Facts', partition_column: 'Cob' };
    const result = await run(
      document({
        log_file: logFile,
        log_level: 'INFO',
        processing: { max_workers: 3 },
        static_tables: [],
        partition_tables: [facts],
      }),
    );
    expect(result.code).toBe(0);
    const lines = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.msg === 'planned').map((l) => l.name)).toEqual(['sqlsync']);
    const staged = lines.filter((l) => l.msg === 'unit staged');
    expect(staged).toHaveLength(3);
    expect(new Set(staged.map((l) => l.pid))).toEqual(new Set([process.pid]));
    expect(new Set(staged.map((l) => l.name))).toEqual(new Set(['sqlsync-worker']));
  });

  it('processing.batch_size bounds the rows of one Arrow batch (a table batch_size overrides it)', async () => {
    const batches = async (fields: Record<string, unknown>): Promise<unknown> => {
      const logFile = join(work, `batches-${runs}.log`);
      expect((await run(document({ log_file: logFile, log_level: 'INFO', ...fields }))).code).toBe(0);
      const lines = (await readFile(logFile, 'utf8')).trim().split('\n');
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'unit staged')
        ?.batches;
    };
    expect(await batches({})).toBe(1); // 3 rows, batch_size 50000
    expect(await batches({ processing: { batch_size: 2 } })).toBe(2);
    expect(
      await batches({
        processing: { batch_size: 2 },
        static_tables: [{ schema_name: 'shop', table_name: 'Small', batch_size: 1 }],
      }),
    ).toBe(3);
  });

  it('partition_function and partition_scheme must name the ones the table is stored on', async () => {
    await emulator.exec(`CREATE PARTITION FUNCTION [pf_Cob] (int) AS RANGE RIGHT FOR VALUES (20240102);
GO
CREATE PARTITION SCHEME [ps_Cob] AS PARTITION [pf_Cob] ALL TO ([PRIMARY]);
GO
CREATE TABLE [shop].[OnScheme] ([Id] int NOT NULL, [Cob] int NOT NULL) ON [ps_Cob]([Cob]);
GO
INSERT INTO [shop].[OnScheme] VALUES (1, 20240101), (2, 20240102);`);
    const table = { schema_name: 'shop', table_name: 'OnScheme', partition_column: 'Cob' };
    const named = await run(
      document({
        static_tables: [],
        partition_tables: [{ ...table, partition_function: 'pf_Cob', partition_scheme: 'ps_Cob' }],
      }),
    );
    expect(named.summary.tables[0]?.error).toBeUndefined();
    expect(named.summary).toMatchObject({ status: 'ok', total_records: 2 });
    for (const [field, value] of [
      ['partition_function', 'pf_Other'],
      ['partition_scheme', 'ps_Other'],
    ]) {
      const wrong = await run(
        document({ static_tables: [], partition_tables: [{ ...table, [field as string]: value }] }),
      );
      expect(wrong.code).toBe(1);
      expect(errorOf(wrong).message).toContain(`${field} is ${value}, but the table is stored on`);
    }
  });
});
