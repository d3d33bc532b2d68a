import { describe, expect, it } from 'vitest';
import { type PartitionRecord, planPartitions } from './partition-plan.js';

function months(n: number, rows = '100'): PartitionRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    value: `2024-${String(i + 1).padStart(2, '0')}`,
    fingerprint: { rowCount: rows, rowHashSum: String(i) },
  }));
}

const base = { directoryKey: 'Day_month', newestPartitionsToRefresh: 1, removeMissingPartitions: false };

describe('planPartitions', () => {
  it('reads every partition on the first run', () => {
    const planned = planPartitions({ ...base, partitions: months(3) });
    expect(planned.map((p) => [p.value, p.action, p.reason])).toEqual([
      ['2024-01', 'replace', 'new partition (no previous state)'],
      ['2024-02', 'replace', 'new partition (no previous state)'],
      ['2024-03', 'replace', 'new partition (no previous state)'],
    ]);
  });

  it('re-reads only moved fingerprints, new partitions and the newest N', () => {
    const previous = { directoryKey: 'Day_month', partitions: months(4) };
    const now = months(5).map((p) =>
      p.value === '2024-02' ? { ...p, fingerprint: { rowCount: '101', rowHashSum: '1' } } : p,
    );
    const planned = planPartitions({ ...base, newestPartitionsToRefresh: 2, partitions: now, previous });
    expect(planned.map((p) => [p.value, p.reason])).toEqual([
      ['2024-02', 'fingerprint changed (row count)'],
      ['2024-04', 'newest 2'],
      ['2024-05', 'new partition'],
    ]);
  });

  it('plans nothing when nothing changed and newest_partitions_to_refresh is 0', () => {
    const previous = { directoryKey: 'Day_month', partitions: months(24) };
    expect(
      planPartitions({ ...base, newestPartitionsToRefresh: 0, partitions: months(24), previous }),
    ).toEqual([]);
  });

  it('names each moved component and compares only components both sides have', () => {
    const previous = {
      directoryKey: 'Day_month',
      partitions: [{ value: '2024-01', fingerprint: { rowCount: '1', rowHashSum: '5' } }],
    };
    const same = [
      { value: '2024-01', fingerprint: { rowCount: '1', rowHashSum: '5', maxModified: '2024-01-02' } },
    ];
    expect(planPartitions({ ...base, newestPartitionsToRefresh: 0, partitions: same, previous })).toEqual([]);
    const moved = [{ value: '2024-01', fingerprint: { rowCount: '1', rowHashSum: '6' } }];
    expect(
      planPartitions({ ...base, newestPartitionsToRefresh: 0, partitions: moved, previous })[0]?.reason,
    ).toBe('fingerprint changed (row hash)');
  });

  it('re-reads once, saying so, a partition whose state holds the old CHECKSUM_AGG fingerprint', () => {
    const previous = {
      directoryKey: 'Day_month',
      partitions: [{ value: '2024-01', fingerprint: { rowCount: '2', checksum: 0 } }],
    };
    const now = [{ value: '2024-01', fingerprint: { rowCount: '2', rowHashSum: '-77' } }];
    expect(
      planPartitions({ ...base, newestPartitionsToRefresh: 0, partitions: now, previous }).map(
        (p) => p.reason,
      ),
    ).toEqual(['fingerprint changed (fingerprint kind (checksum, now row hash))']);
    // Once recorded with the row hash, the same partition is left alone.
    expect(
      planPartitions({
        ...base,
        newestPartitionsToRefresh: 0,
        partitions: now,
        previous: { ...previous, partitions: now },
      }),
    ).toEqual([]);
  });

  it('never counts the NULL partition among the newest', () => {
    const partitions = [{ value: null, fingerprint: { rowCount: '3', rowHashSum: '1' } }, ...months(2)];
    const previous = { directoryKey: 'Day_month', partitions };
    const planned = planPartitions({ ...base, newestPartitionsToRefresh: 5, partitions, previous });
    expect(planned.map((p) => p.value)).toEqual(['2024-01', '2024-02']);
  });

  it('removes partitions gone from the source only when configured', () => {
    const previous = { directoryKey: 'Day_month', partitions: months(3) };
    const now = months(3).filter((p) => p.value !== '2024-02');
    const kept = planPartitions({ ...base, newestPartitionsToRefresh: 0, partitions: now, previous });
    expect(kept).toEqual([]);
    const removed = planPartitions({
      ...base,
      newestPartitionsToRefresh: 0,
      removeMissingPartitions: true,
      partitions: now,
      previous,
    });
    expect(removed).toEqual([
      {
        value: '2024-02',
        action: 'remove',
        reason: 'gone from source (remove_missing_partitions)',
        directoryKey: 'Day_month',
      },
    ]);
  });

  it('removes partitions renumbered away when the scheme boundaries changed, whatever the setting', () => {
    const partitions = months(3).map((p, i) => ({ ...p, value: String(i + 1).padStart(5, '0') }));
    const previous = { directoryKey: 'D_partition', boundaries: ['a', 'b'], partitions };
    const planned = planPartitions({
      ...base,
      directoryKey: 'D_partition',
      boundaries: ['b'],
      newestPartitionsToRefresh: 0,
      partitions: partitions.slice(0, 2),
      previous,
    });
    expect(planned.map((p) => [p.value, p.action, p.reason])).toEqual([
      [
        '00003',
        'remove',
        'gone after the partition function boundaries changed (its rows may now lie in other partitions)',
      ],
    ]);
  });

  describe('a source scheme labelled by lower boundaries', () => {
    /** A partition [lower, upper) with `rows` rows. */
    const part = (lower: string | null, upper: string | null, rows: string): PartitionRecord => ({
      value: lower,
      fingerprint: { rowCount: rows, rowHashSum: rows, lowerBoundary: lower, upperBoundary: upper },
    });
    const ranges = (bounds: (string | null)[]) =>
      new Map([null, ...bounds].map((lower, i) => [lower, bounds[i] ?? null] as const));
    const scheme = { ...base, directoryKey: 'D_partition', newestPartitionsToRefresh: 0 };
    const before = [part(null, 'b', '1'), part('b', 'd', '4'), part('d', 'f', '2'), part('f', null, '3')];
    const previous = { directoryKey: 'D_partition', boundaries: ['b', 'd', 'f'], partitions: before };

    it('SPLIT RANGE: re-reads the split partition and reads the new one; the others stay', () => {
      const planned = planPartitions({
        ...scheme,
        boundaries: ['b', 'c', 'd', 'f'],
        schemeRanges: ranges(['b', 'c', 'd', 'f']),
        partitions: [
          part(null, 'b', '1'),
          part('b', 'c', '3'),
          part('c', 'd', '1'),
          part('d', 'f', '2'),
          part('f', null, '3'),
        ],
        previous,
      });
      expect(planned.map((p) => [p.value, p.action, p.reason])).toEqual([
        ['b', 'replace', 'fingerprint changed (row count, row hash, upper boundary)'],
        ['c', 'replace', 'new partition'],
      ]);
    });

    it('MERGE RANGE: re-reads the merged partition and removes the one whose lower boundary is gone', () => {
      const planned = planPartitions({
        ...scheme,
        boundaries: ['b', 'f'],
        schemeRanges: ranges(['b', 'f']),
        partitions: [part(null, 'b', '1'), part('b', 'f', '6'), part('f', null, '3')],
        previous,
      });
      expect(planned.map((p) => [p.value, p.action, p.reason])).toEqual([
        ['b', 'replace', 'fingerprint changed (row count, row hash, upper boundary)'],
        [
          'd',
          'remove',
          'gone after the partition function boundaries changed (its lower boundary is no longer one: MERGE RANGE)',
        ],
      ]);
    });

    it('keeps an emptied partition whose range is unchanged (remove_missing_partitions off), removes one split empty', () => {
      const planned = planPartitions({
        ...scheme,
        boundaries: ['b', 'd', 'e', 'f'],
        schemeRanges: ranges(['b', 'd', 'e', 'f']),
        // 'b' emptied (range unchanged); 'd' split at 'e' with all its rows above 'e'.
        partitions: [part(null, 'b', '1'), part('e', 'f', '2'), part('f', null, '3')],
        previous,
      });
      expect(planned.map((p) => [p.value, p.action, p.reason])).toEqual([
        ['e', 'replace', 'new partition'],
        [
          'd',
          'remove',
          'gone after the partition function boundaries changed (its upper boundary moved from f to e: SPLIT or MERGE RANGE)',
        ],
      ]);
    });
  });

  it('re-reads everything and removes the old directories when the layout changes', () => {
    const previous = {
      directoryKey: 'Day',
      partitions: [{ value: '2024-01-05', fingerprint: { rowCount: '1', rowHashSum: '1' } }],
    };
    const planned = planPartitions({ ...base, partitions: months(1), previous });
    expect(planned).toEqual([
      {
        value: '2024-01',
        action: 'replace',
        reason: 'partition layout changed (was Day)',
        fingerprint: { rowCount: '100', rowHashSum: '0' },
        directoryKey: 'Day_month',
      },
      {
        value: '2024-01-05',
        action: 'remove',
        reason: 'partition layout changed (now Day_month)',
        directoryKey: 'Day',
      },
    ]);
  });
});
