import type { PipelineConfig } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitConsistently } from './consistent-read.js';
import { staticTableHandler } from './static-table-handler.js';
import { type StaticTableContext, startStaticTableContext } from './test-support/static-table-context.js';
import type { UnitContext } from './unit-context.js';
import type { StaticUnit } from './work-unit.js';

describe('runUnitConsistently against the emulator', () => {
  let t: StaticTableContext;
  let runs = 0;

  beforeAll(async () => {
    t = await startStaticTableContext('Prices', 'prices', async (emulator) => {
      await emulator.exec(
        `CREATE TABLE [dbo].[Prices] ([Id] int NOT NULL PRIMARY KEY, [Price] decimal(19,4) NOT NULL);`,
      );
      await emulator.exec(`INSERT INTO [dbo].[Prices] VALUES (1, 1.5000), (2, 2.2500), (3, -0.7500);`);
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  /** A context whose processing.snapshot_isolation is `setting`. */
  function context(setting: 'auto' | 'required' | 'off'): UnitContext {
    const config: PipelineConfig = {
      ...t.config,
      processing: { ...t.config.processing, snapshotIsolation: setting },
    };
    return { ...t.ctx, config };
  }

  async function unit(ctx: UnitContext): Promise<StaticUnit> {
    const snapshot = await staticTableHandler.snapshot(t.table, ctx);
    const run = { runId: `run${++runs}`, lakeRoot: t.config.state.parquetDirectory, now: new Date() };
    return staticTableHandler.plan(t.table, snapshot, undefined, run)[0] as StaticUnit;
  }

  it('reads in one snapshot where the database allows it, at READ COMMITTED where it does not or when told off', async () => {
    await t.emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    const auto = context('auto');
    const inSnapshot = await runUnitConsistently(t.table, await unit(auto), auto);
    expect(inSnapshot.read).toEqual({ mode: 'snapshot', retries: 0 });
    expect(inSnapshot.validation?.sums.Price).toEqual({ source: '3.0000', lake: '3.0000' });
    const off = context('off');
    expect((await runUnitConsistently(t.table, await unit(off), off)).read).toEqual({
      mode: 'read_committed',
      retries: 0,
    });
  });

  it('falls back to READ COMMITTED when the database stops allowing snapshots during the run', async () => {
    await t.emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    const auto = context('auto');
    // The first unit asks the database (and keeps the answer for the source connection).
    expect((await runUnitConsistently(t.table, await unit(auto), auto)).read?.mode).toBe('snapshot');
    await t.emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    // The next one meets SQL Server's error 3952 and reads at READ COMMITTED instead.
    const fallback = await runUnitConsistently(t.table, await unit(auto), auto);
    expect(fallback.read).toEqual({ mode: 'read_committed', retries: 0 });
    expect(fallback.rows).toBe(3);
  });

  it('required: a database that does not allow snapshots fails the unit, naming the ALTER DATABASE that allows them', async () => {
    await t.emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    const required = context('required');
    const failure = await runUnitConsistently(t.table, await unit(required), required).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({
      code: 'SOURCE_QUERY',
      retryable: false,
      context: { table: 'dbo.Prices', configPath: 'processing.snapshot_isolation' },
    });
    expect((failure as Error).message).toContain('ALTER DATABASE [master] SET ALLOW_SNAPSHOT_ISOLATION ON');
  });
});
