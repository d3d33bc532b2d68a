import { connect, createServer, type Server, type Socket } from 'node:net';
import { SqlSyncError } from '@sync/core';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'Idle!Passw0rd';
const ROWS = 200_000;

/**
 * A TCP relay to the emulator that can go silent like a frozen server: `freeze()` stops passing
 * the server's bytes on (and reading them), with the connections left open.
 */
class FreezingRelay {
  private frozen = false;
  private readonly upstreams: Socket[] = [];
  private readonly server: Server;

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      this.upstreams.push(upstream);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (!this.frozen) {
          client.write(chunk);
        }
      });
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  static async start(target: { host: string; port: number }): Promise<FreezingRelay> {
    const relay = new FreezingRelay(target);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  freeze(): void {
    this.frozen = true;
    for (const upstream of this.upstreams) {
      upstream.pause();
    }
  }

  thaw(): void {
    this.frozen = false;
  }

  close(): Promise<void> {
    for (const upstream of this.upstreams) {
      upstream.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('a read whose source goes silent mid-result (database.command_timeout)', () => {
  let emulator: Emulator;
  let relay: FreezingRelay;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(
      'CREATE TABLE [dbo].[Wide] ([Id] int NOT NULL PRIMARY KEY, [Note] nvarchar(80) NOT NULL);',
    );
    await emulator.duckdb(
      `INSERT INTO dbo."Wide" SELECT i, 'note ' || i || repeat('x', 40) FROM range(${ROWS}) t(i)`,
    );
    relay = await FreezingRelay.start(emulator);
  }, 60_000);

  afterAll(async () => {
    await relay?.close();
    await emulator?.close();
  });

  it('fails with a retryable SOURCE_QUERY error naming the table and the timeout, and the next read gets a fresh connection', async () => {
    const source = await SourceConnection.open({
      ...emulatorLogin({ host: '127.0.0.1', port: relay.port }, PASSWORD),
      commandTimeout: 1,
    });
    try {
      const plan = await source.describe('dbo', 'Wide');
      let rows = 0;
      let frozenAt = 0;
      const error = await (async () => {
        for await (const batch of source.read(plan, { batchRows: 5_000 })) {
          rows += batch.numRows;
          if (frozenAt === 0) {
            frozenAt = performance.now();
            relay.freeze();
          }
        }
      })().catch((e: unknown) => e);
      const waitedMs = performance.now() - frozenAt;
      expect(error).toBeInstanceOf(SqlSyncError);
      expect(error).toMatchObject({
        code: 'SOURCE_QUERY',
        retryable: true,
        message:
          'dbo.Wide: SQL Server sent no data for 1 s while rows were streaming (database.command_timeout: 1); the read was cancelled',
        context: { table: 'dbo.Wide', configPath: 'database.command_timeout' },
      });
      expect(rows).toBeLessThan(ROWS);
      // At least the timeout (rows already buffered may still arrive first), and not much more.
      expect(waitedMs).toBeGreaterThanOrEqual(1_000);
      expect(waitedMs).toBeLessThan(10_000);
      // The silent connection was closed and left the pool: the next read works on a new one.
      relay.thaw();
      let again = 0;
      for await (const batch of source.read(plan)) {
        again += batch.numRows;
      }
      expect(again).toBe(ROWS);
    } finally {
      relay.thaw();
      await source.close();
    }
  }, 60_000);

  it('does not count the time the reader itself holds the stream paused (a slow consumer)', async () => {
    const source = await SourceConnection.open({
      ...emulatorLogin({ host: '127.0.0.1', port: relay.port }, PASSWORD),
      commandTimeout: 1,
    });
    try {
      const plan = await source.describe('dbo', 'Wide');
      // Two batches fill the buffer and pause the TDS stream; each wait is longer than the timeout.
      const stream = source.read(plan, { batchRows: 20_000, maxBufferedBatches: 1 });
      let rows = 0;
      let waits = 0;
      for await (const batch of stream) {
        rows += batch.numRows;
        if (waits < 2) {
          waits++;
          await new Promise((resolve) => setTimeout(resolve, 1_600));
        }
      }
      expect(rows).toBe(ROWS);
      expect(stream.stats.pauses).toBeGreaterThan(0);
    } finally {
      await source.close();
    }
  }, 60_000);
});
