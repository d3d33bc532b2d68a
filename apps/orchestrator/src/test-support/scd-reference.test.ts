import { describe, expect, it } from 'vitest';
import {
  minusMinutes,
  OPEN_END,
  type ReferenceSourceRow,
  ScdReference,
  toMicroseconds,
} from './scd-reference.js';

/** A one-column-of-values source row: values are [key…, name, lastModified at µs]. */
function row(key: string | readonly string[], lastModified: string, name: string): ReferenceSourceRow {
  const parts = typeof key === 'string' ? [key] : key;
  return { key: parts, lastModified, values: [...parts, name, toMicroseconds(lastModified)] };
}

/** The history as compact lines `key|name|effective|end|L?D?`, sorted. */
function lines(ref: ScdReference): string[] {
  return ref
    .history()
    .map(
      (r) =>
        `${r.key.join(',')}|${r.values.at(-2)}|${r.effective.slice(11)}|${r.end === OPEN_END ? 'open' : r.end.slice(11)}|${r.isLatest ? 'L' : ''}${r.isDeleted ? 'D' : ''}`,
    )
    .sort();
}

const T = (hms: string, digits = '0000000'): string => `2026-01-01 ${hms}.${digits}`;
const NOW1 = '2026-01-01 12:00:00.000000';
const NOW2 = '2026-01-01 13:00:00.000000';
const NOW3 = '2026-01-01 14:00:00.000000';

describe('ScdReference', () => {
  it('builds history from current-rows snapshots: a change closes the old version at the new one', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: false });
    expect(ref.run([row('1', T('10:00:00'), 'a'), row('2', T('10:00:01'), 'b')], NOW1)).toEqual({
      rowsRead: 2,
      readAfter: null,
      watermark: T('10:00:01'),
      versionsAdded: 2,
      keysDeleted: 0,
    });
    expect(ref.run([row('1', T('11:00:00'), 'a2'), row('2', T('10:00:01'), 'b')], NOW2)).toMatchObject({
      rowsRead: 1,
      readAfter: T('10:00:01'),
    });
    expect(lines(ref)).toEqual([
      '1|a2|11:00:00.000000|open|L',
      '1|a|10:00:00.000000|11:00:00.000000|',
      '2|b|10:00:01.000000|open|L',
    ]);
  });

  it('reads the lookback window again; an identical re-read changes nothing', () => {
    const ref = new ScdReference({ lookbackMinutes: 30, detectDeletes: false });
    const snapshot = [
      row('1', T('10:20:00'), 'a'),
      row('2', T('10:40:00'), 'b'),
      row('3', T('09:00:00'), 'c'),
    ];
    ref.run(snapshot, NOW1);
    const before = lines(ref);
    expect(ref.run(snapshot, NOW2)).toMatchObject({ rowsRead: 2, readAfter: T('10:10:00') });
    expect(lines(ref)).toEqual(before);
  });

  it('a late-committed row older than the watermark goes between its neighbours', () => {
    const ref = new ScdReference({ lookbackMinutes: 60, detectDeletes: false });
    ref.run([row('1', T('08:00:00'), 'v1'), row('9', T('10:00:00'), 'x')], NOW1);
    ref.run([row('1', T('10:30:00'), 'v3'), row('9', T('10:00:00'), 'x')], NOW2);
    // Committed late: last modified 10:15, older than the watermark 10:30 but inside the hour.
    expect(ref.run([row('1', T('10:15:00'), 'v2'), row('9', T('11:00:00'), 'x2')], NOW3).rowsRead).toBe(2);
    expect(lines(ref).filter((l) => l.startsWith('1|'))).toEqual([
      '1|v1|08:00:00.000000|10:15:00.000000|',
      '1|v2|10:15:00.000000|10:30:00.000000|',
      '1|v3|10:30:00.000000|open|L',
    ]);
  });

  it('detect deletes closes the latest version at the source time; a returning key starts a new version', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
    ref.run([row('1', T('10:00:00'), 'a'), row('2', T('10:00:00'), 'b')], NOW1);
    expect(ref.run([row('2', T('10:00:00'), 'b')], NOW2)).toMatchObject({ keysDeleted: 1, versionsAdded: 0 });
    expect(lines(ref)).toEqual(['1|a|10:00:00.000000|13:00:00.000000|LD', '2|b|10:00:00.000000|open|L']);
    // Gone twice: the delete time stays the first one.
    expect(ref.run([row('2', T('10:00:00'), 'b')], NOW3).keysDeleted).toBe(0);
    expect(lines(ref)[0]).toBe('1|a|10:00:00.000000|13:00:00.000000|LD');
    ref.run([row('1', T('14:30:00'), 'a2'), row('2', T('10:00:00'), 'b')], '2026-01-01 15:00:00.000000');
    expect(lines(ref).filter((l) => l.startsWith('1|'))).toEqual([
      '1|a2|14:30:00.000000|open|L',
      '1|a|10:00:00.000000|13:00:00.000000|D',
    ]);
  });

  it('a deleted version’s end stays within its own effective date and the next version’s', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
    ref.run([row('1', T('10:00:00'), 'a'), row('2', T('13:30:00'), 'b'), row('3', T('09:00:00'), 'c')], NOW1);
    // Key 2's last_modified is ahead of the source clock (13:00) when it is deleted.
    ref.run([row('1', T('10:00:00'), 'a'), row('3', T('09:00:00'), 'c')], NOW2);
    // Key 1 is deleted at 14:00, then comes back with a last_modified of 11:00.
    ref.run([row('3', T('09:00:00'), 'c')], NOW3);
    ref.run([row('1', T('11:00:00'), 'a2'), row('3', T('09:00:00'), 'c')], '2026-01-01 15:00:00.000000');
    expect(lines(ref)).toEqual([
      '1|a2|11:00:00.000000|open|L',
      '1|a|10:00:00.000000|11:00:00.000000|D',
      '2|b|13:30:00.000000|13:30:00.000000|LD',
      '3|c|09:00:00.000000|open|L',
    ]);
  });

  it('a key returning with the deleted version’s own last_modified re-opens that version', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
    ref.run([row('1', T('10:00:00'), 'a'), row('2', T('09:00:00'), 'b')], NOW1);
    ref.run([row('2', T('09:00:00'), 'b')], NOW2);
    // The watermark fell to 09:00 (the MAX of what is left), so the returning 10:00 row is read.
    ref.run([row('1', T('10:00:00'), 'a'), row('2', T('09:00:00'), 'b')], NOW3);
    expect(lines(ref)).toEqual(['1|a|10:00:00.000000|open|L', '2|b|09:00:00.000000|open|L']);
  });

  it('with detect deletes, a deleted key restored below the read window is read by key', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
    const all = [row('1', T('08:00:00'), 'a'), row('2', T('09:00:00'), 'b'), row('3', T('10:00:00'), 'c')];
    ref.run(all, NOW1);
    ref.run(all.slice(1), NOW2);
    expect(ref.run(all, NOW3)).toMatchObject({ rowsRead: 1, readAfter: T('10:00:00'), versionsAdded: 0 });
    expect(lines(ref)[0]).toBe('1|a|08:00:00.000000|open|L');
    // Back to normal: nothing is read.
    expect(ref.run(all, NOW3).rowsRead).toBe(0);
    // Without detect deletes nothing is deleted, so nothing is restored.
    const plain = new ScdReference({ lookbackMinutes: 0, detectDeletes: false });
    plain.run(all, NOW1);
    plain.run(all.slice(1), NOW2);
    expect(plain.run(all, NOW3).rowsRead).toBe(0);
  });

  it('the lake keeps µs: two values differing in the 7th digit are one version, the later read wins', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: false });
    ref.run([row('1', T('10:00:00', '1234560'), 'a'), row('2', T('10:00:00', '1234560'), 'b')], NOW1);
    expect(ref.watermark).toBe(T('10:00:00', '1234560'));
    const changed = [row('1', T('10:00:00', '1234567'), 'a2'), row('2', T('10:00:00', '1234560'), 'b')];
    expect(ref.run(changed, NOW2)).toMatchObject({
      rowsRead: 1,
      watermark: T('10:00:00', '1234567'),
      versionsAdded: 0,
    });
    expect(ref.run(changed, NOW3).rowsRead).toBe(0);
    expect(lines(ref)).toEqual(['1|a2|10:00:00.123456|open|L', '2|b|10:00:00.123456|open|L']);
  });

  it('composite keys are tuples: (ab, c) and (a, bc) are two keys', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
    ref.run([row(['ab', 'c'], T('10:00:00'), 'x'), row(['a', 'bc'], T('10:00:00'), 'y')], NOW1);
    ref.run([row(['ab', 'c'], T('11:00:00'), 'x2')], NOW2);
    expect(lines(ref)).toEqual([
      'a,bc|y|10:00:00.000000|13:00:00.000000|LD',
      'ab,c|x2|11:00:00.000000|open|L',
      'ab,c|x|10:00:00.000000|11:00:00.000000|',
    ]);
  });

  it('keeps the watermark of an empty source', () => {
    const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
    ref.run([row('1', T('10:00:00'), 'a')], NOW1);
    expect(ref.run([], NOW2)).toMatchObject({ rowsRead: 0, watermark: T('10:00:00') });
  });

  it('minusMinutes crosses day, month and year boundaries and keeps the fraction', () => {
    expect(minusMinutes('2026-01-01 00:10:00.1234567', 30)).toBe('2025-12-31 23:40:00.1234567');
    expect(minusMinutes('2024-03-01 00:00:00.0000001', 1)).toBe('2024-02-29 23:59:00.0000001');
    expect(minusMinutes('2026-06-15 12:00:00.5000000', 0)).toBe('2026-06-15 12:00:00.5000000');
    expect(() => toMicroseconds('2026-01-01 00:00:00.123')).toThrow(/datetime2\(7\)/);
  });
});
