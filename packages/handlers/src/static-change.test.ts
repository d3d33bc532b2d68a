import { parseConfig, type StaticTableConfig } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { decideStaticLoad, loadSignature } from './static-change.js';

function table(fields: Record<string, unknown> = {}): StaticTableConfig {
  const config = parseConfig({
    database: { server: 'db', database: 'D', username: 'u', password: 'p' },
    static_tables: [{ table_name: 'Rates', ...fields }],
  });
  return config.staticTables[0] as StaticTableConfig;
}

const now = new Date('2026-03-10T12:00:00Z');
const hash = 'hashbytes_sha256:3:-42';
const sourceColumns = '[["Id","int",4,10,0,false,"int32"]]';
const found = { tableHash: hash, sourceColumns };

function recordOf(t: StaticTableConfig, tableHash = hash, lastFullLoadAt = '2026-03-09T12:00:00Z') {
  return { tableHash, lastFullLoadAt, loadSignature: loadSignature(t), sourceColumns };
}

describe('decideStaticLoad', () => {
  it('reads the table when nothing was recorded (first run, or a state from before hashes)', () => {
    expect(decideStaticLoad(table(), found, undefined, now)).toEqual({
      load: 'full',
      reason: 'full reload (no table hash recorded yet)',
    });
    expect(decideStaticLoad(table(), found, { lastFullLoadAt: '2026-03-09T12:00:00Z' }, now).load).toBe(
      'full',
    );
  });

  it('skips an unchanged table and reads a changed one, naming the algorithm', () => {
    const t = table();
    expect(decideStaticLoad(t, found, recordOf(t), now)).toEqual({
      load: 'skip',
      reason: 'unchanged (hashbytes_sha256)',
    });
    expect(decideStaticLoad(t, { ...found, tableHash: 'hashbytes_sha256:3:-43' }, recordOf(t), now)).toEqual({
      load: 'full',
      reason: 'changed (hashbytes_sha256)',
    });
  });

  it('reads the table when the algorithm, the source columns or the lake-side config changed', () => {
    const md5 = table({ hash_algorithm: 'hashbytes_md5' });
    expect(
      decideStaticLoad(md5, { ...found, tableHash: 'hashbytes_md5:3:9' }, recordOf(md5), now).reason,
    ).toBe('full reload (hash_algorithm is now hashbytes_md5)');
    const retyped = table();
    expect(
      decideStaticLoad(
        retyped,
        { ...found, sourceColumns: '[["Id","bigint",8,19,0,false,"int64"]]' },
        recordOf(retyped),
        now,
      ).reason,
    ).toBe('full reload (the source columns changed)');
    const checked = table({ data_quality: { min_rows: 1 } });
    expect(decideStaticLoad(checked, found, recordOf(table()), now).load).toBe('full');
    const moved = table({ target_table: 'rates_v2' });
    expect(decideStaticLoad(moved, found, recordOf(table()), now).reason).toBe(
      'full reload (target, columns, custom_where_clause, primary_key_columns or data_quality changed)',
    );
  });

  it('forces a full reload once the last full load is force_reload_after_days old', () => {
    const t = table({ force_reload_after_days: 7 });
    expect(decideStaticLoad(t, found, recordOf(t, hash, '2026-03-03T12:00:01Z'), now).load).toBe('skip');
    expect(decideStaticLoad(t, found, recordOf(t, hash, '2026-03-02T12:00:00Z'), now)).toEqual({
      load: 'full',
      forced: true,
      reason: 'forced reload: last full load 8 days ago (force_reload_after_days 7)',
    });
    // Without the setting, an old load is never forced.
    const never = table();
    expect(decideStaticLoad(never, found, recordOf(never, hash, '2020-01-01T00:00:00Z'), now).load).toBe(
      'skip',
    );
  });
});
