import { createLogger, parseConfig } from '@sync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ProgressDisplay, startProgress } from './progress-display.js';

const config = parseConfig({
  database: { server: 'h', database: 'd', username: 'u', password: 'p' },
  state: { parquet_directory: '/tmp/lake', state_directory: '/tmp/state' },
  static_tables: [{ table_name: 'T' }],
});

describe('ProgressDisplay', () => {
  let display: ProgressDisplay | undefined;
  afterEach(() => display?.stop());

  it('counts tables, units and rows, with rows/s and an ETA from the finished units', () => {
    let now = 0;
    display = new ProgressDisplay({ write: () => undefined }, { now: () => now });
    display.update({ type: 'planned', table: 'sales.Orders', kind: 'partition', units: 4 });
    display.update({ type: 'planned', table: 'shop.Products', kind: 'static', units: 1 });
    now = 2000;
    display.update({ type: 'unit', table: 'sales.Orders', unit: 'u1', rows: 300_000 });
    display.update({ type: 'unit', table: 'shop.Products', unit: 'u2', rows: 100_000 });
    display.update({ type: 'table', table: 'shop.Products', status: 'ok' });
    expect(display.lines()).toEqual([
      // 2 of 5 units in 2 s: 3 more take 3 s.
      'sqlsync: tables 1/2 done | units 2/5 | 400,000 rows | 200,000 rows/s | ETA 3s',
      '  sales.Orders: 1/4 units',
    ]);
    display.update({ type: 'table', table: 'sales.Orders', status: 'failed' });
    expect(display.lines()[0]).toMatch(/^sqlsync: tables 2\/2 done \(1 failed\) \| units 2\/5/);
  });

  it('redraws in place: a log line erases the display, is written, and the display follows it', () => {
    const out: string[] = [];
    display = new ProgressDisplay({ write: (t) => out.push(t), columns: 30 }, { now: () => 0 });
    display.update({ type: 'planned', table: 'a.very_long_table_name_indeed', kind: 'static', units: 1 });
    display.logStream().write('{"level":"warn"}\n');
    expect(out[0]).toBe('{"level":"warn"}\n');
    // Cut to the terminal's width, so that two lines are two rows to erase.
    expect(out[1]).toBe('sqlsync: tables 0/1 done | u…\n  a.very_long_table_name_ind…\n');
    display.logStream().write('{"level":"error"}\n');
    expect(out[2]).toBe('\x1b[2A\r\x1b[J');
    expect(out[3]).toBe('{"level":"error"}\n');
  });
});

describe('startProgress', () => {
  it('is off without a terminal or with --no-progress', () => {
    expect(startProgress({ terminal: undefined, disabled: false, config, createLogger })).toBeUndefined();
    expect(
      startProgress({ terminal: { write: () => undefined }, disabled: true, config, createLogger }),
    ).toBeUndefined();
  });

  it("on a terminal, raises the run's log level to WARNING (workers too) and logs through the display", () => {
    const written: string[] = [];
    const progress = startProgress({
      terminal: { write: (t) => written.push(t) },
      disabled: false,
      config,
      createLogger,
    });
    expect(progress?.config.logLevel).toBe('WARNING');
    progress?.logger.info('hidden');
    progress?.logger.warn('shown');
    progress?.display.stop();
    expect(written.join('')).not.toMatch(/hidden/);
    expect(written.join('')).toMatch(/"msg":"shown"/);
  });
});
