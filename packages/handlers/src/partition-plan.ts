import type { PartitionFingerprint } from './partition-fingerprint.js';
import { fingerprintChanges } from './partition-fingerprint.js';

/** One partition by its lake directory value (`null`: the NULL partition) and fingerprint. */
export interface PartitionRecord {
  readonly value: string | null;
  readonly fingerprint: PartitionFingerprint;
}

/** What {@link planPartitions} decides from. */
export interface PartitionPlanInput {
  /** The directory key (`OrderDate_month`, `OrderDate_partition`, `COBID`). */
  readonly directoryKey: string;
  /** A source partition scheme's boundaries (partition numbers depend on them). */
  readonly boundaries?: readonly (string | null)[];
  /**
   * A source partition scheme's partitions now, holding rows or not: each one's directory value
   * (its lower boundary's label; `null`: the first) and its upper boundary (exact text; `null`:
   * none). A partition gone from the source whose range is no longer one of these lost its rows
   * to a SPLIT or MERGE RANGE.
   */
  readonly schemeRanges?: ReadonlyMap<string | null, string | null>;
  /** The source's partitions holding rows, oldest first (NULL first). */
  readonly partitions: readonly PartitionRecord[];
  /** What the last successful run recorded; undefined on the first run or without state. */
  readonly previous?: {
    readonly directoryKey: string;
    readonly boundaries?: readonly (string | null)[];
    readonly partitions: readonly PartitionRecord[];
  };
  readonly newestPartitionsToRefresh: number;
  readonly removeMissingPartitions: boolean;
}

/** A partition to re-read (`replace`) or delete from the lake (`remove`), with the reason. */
export type PlannedPartition = PlannedReplace | PlannedRemove;

interface PlannedDirectory {
  readonly value: string | null;
  readonly reason: string;
  /** For `remove` of a previous layout: that layout's directory key. */
  readonly directoryKey: string;
}

/** A partition to re-read, as of the source fingerprint the read is planned from. */
export interface PlannedReplace extends PlannedDirectory {
  readonly action: 'replace';
  readonly fingerprint: PartitionFingerprint;
}

/** A partition to delete from the lake. */
export interface PlannedRemove extends PlannedDirectory {
  readonly action: 'remove';
}

function sameBoundaries(
  a: readonly (string | null)[] | undefined,
  b: readonly (string | null)[] | undefined,
) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Decides which partitions a run re-reads and which it removes; pure. Re-read: every partition
 * when there is no previous state or the layout changed (another directory key), new partitions,
 * partitions whose fingerprint moved, and the newest `newestPartitionsToRefresh` (the NULL
 * partition is never "newest"). Removed: partitions of a previous layout (two directory keys in one
 * table would break hive readers); partitions gone from the source when `removeMissingPartitions`;
 * and, whatever that setting, partitions gone after a SPLIT or MERGE RANGE moved their range
 * (`schemeRanges`) — their rows now lie in other partitions, and keeping the old directory would
 * duplicate them. Scheme partitions are labelled by their lower boundary, so a SPLIT re-reads the
 * split partition (its upper boundary and rows changed) and reads the new one; a MERGE re-reads
 * the merged partition and removes the one whose lower boundary is gone; the others stay.
 *
 * @example
 * planPartitions({ directoryKey: 'Day_month', partitions, previous, newestPartitionsToRefresh: 1, removeMissingPartitions: false })
 * // [{ value: '2024-03', action: 'replace', reason: 'fingerprint changed (row count, row hash)', … }]
 */
export function planPartitions(input: PartitionPlanInput): PlannedPartition[] {
  const { previous, directoryKey } = input;
  const planned: PlannedPartition[] = [];
  const layoutChanged = previous !== undefined && previous.directoryKey !== directoryKey;
  const before = new Map(
    layoutChanged ? [] : (previous?.partitions ?? []).map((p) => [p.value, p.fingerprint] as const),
  );
  const n = input.newestPartitionsToRefresh;
  const dated = input.partitions.filter((p) => p.value !== null);
  const newest = new Set(n === 0 ? [] : dated.slice(-n).map((p) => p.value));
  for (const partition of input.partitions) {
    const last = before.get(partition.value);
    let reason: string | undefined;
    if (previous === undefined) {
      reason = 'new partition (no previous state)';
    } else if (layoutChanged) {
      reason = `partition layout changed (was ${previous.directoryKey})`;
    } else if (last === undefined) {
      reason = 'new partition';
    } else {
      const changes = fingerprintChanges(last, partition.fingerprint);
      if (changes.length > 0) {
        reason = `fingerprint changed (${changes.join(', ')})`;
      } else if (newest.has(partition.value)) {
        reason = `newest ${input.newestPartitionsToRefresh}`;
      }
    }
    if (reason !== undefined) {
      planned.push({
        value: partition.value,
        action: 'replace',
        reason,
        fingerprint: partition.fingerprint,
        directoryKey,
      });
    }
  }
  if (previous !== undefined) {
    const now = new Set(input.partitions.map((p) => p.value));
    const renumbered = !sameBoundaries(previous.boundaries, input.boundaries);
    for (const old of previous.partitions) {
      if (layoutChanged) {
        planned.push({
          value: old.value,
          action: 'remove',
          reason: `partition layout changed (now ${directoryKey})`,
          directoryKey: previous.directoryKey,
        });
      } else if (!now.has(old.value)) {
        const moved = rangeMoved(old, input.schemeRanges, renumbered);
        if (input.removeMissingPartitions || moved !== undefined) {
          planned.push({
            value: old.value,
            action: 'remove',
            reason: input.removeMissingPartitions
              ? 'gone from source (remove_missing_partitions)'
              : `gone after the partition function boundaries changed (${moved})`,
            directoryKey,
          });
        }
      }
    }
  }
  return planned;
}

/**
 * Why a partition gone from the source had its rows moved into other partitions, or undefined
 * when its range is still the source's (it is merely empty now). Without the ranges (calendar
 * and value partitions, or a fingerprint recorded without boundaries) any change of the
 * boundaries counts.
 */
function rangeMoved(
  old: PartitionRecord,
  ranges: ReadonlyMap<string | null, string | null> | undefined,
  renumbered: boolean,
): string | undefined {
  if (ranges !== undefined && 'upperBoundary' in old.fingerprint) {
    if (!ranges.has(old.value)) {
      return 'its lower boundary is no longer one: MERGE RANGE';
    }
    const upper = ranges.get(old.value) ?? null;
    return upper === (old.fingerprint.upperBoundary ?? null)
      ? undefined
      : `its upper boundary moved from ${old.fingerprint.upperBoundary ?? 'none'} to ${upper ?? 'none'}: SPLIT or MERGE RANGE`;
  }
  return renumbered ? 'its rows may now lie in other partitions' : undefined;
}
