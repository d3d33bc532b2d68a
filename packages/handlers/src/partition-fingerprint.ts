import type { SourcePartition } from '@sync/extract-mssql';

/**
 * What a source partition looked like when it was last read: COUNT_BIG, the fold of its rows'
 * SHA-256 hashes over every column (`rowHashSum`), MAX of the last-modified column when
 * configured, and for a source partition scheme the storage engine's row count and the
 * partition's boundaries. Plain JSON (kept in state).
 *
 * `checksum` (CHECKSUM_AGG of BINARY_CHECKSUM(*)) is what states written before the row hash
 * hold; it is read, never produced: a partition fingerprinted that way is re-read once.
 */
export interface PartitionFingerprint {
  readonly rowCount: string;
  readonly rowHashSum?: string | null;
  /** Legacy (states before the row hash): CHECKSUM_AGG(BINARY_CHECKSUM(*)). */
  readonly checksum?: number | null;
  readonly maxModified?: string | null;
  readonly catalogRows?: string;
  readonly lowerBoundary?: string | null;
  readonly upperBoundary?: string | null;
}

const FIELDS: readonly [keyof PartitionFingerprint, string][] = [
  ['rowCount', 'row count'],
  ['rowHashSum', 'row hash'],
  ['checksum', 'checksum'],
  ['maxModified', 'max last-modified'],
  ['catalogRows', 'catalog row count'],
  ['lowerBoundary', 'lower boundary'],
  ['upperBoundary', 'upper boundary'],
];

/**
 * The fingerprint of a source partition as `sourcePartitions` reported it.
 *
 * @example
 * fingerprintOf(partition) // { rowCount: '8333', rowHashSum: '-1234567890123', maxModified: '2024-02-01T10:00:00' }
 */
export function fingerprintOf(partition: SourcePartition): PartitionFingerprint {
  return {
    rowCount: partition.rowCount,
    rowHashSum: partition.rowHashSum,
    ...(partition.maxModified === undefined ? {} : { maxModified: partition.maxModified }),
    ...(partition.catalogRows === undefined ? {} : { catalogRows: partition.catalogRows }),
    ...(partition.lowerBoundary === undefined ? {} : { lowerBoundary: partition.lowerBoundary }),
    ...(partition.upperBoundary === undefined ? {} : { upperBoundary: partition.upperBoundary }),
  };
}

/**
 * The components that differ, in words; empty when the fingerprints agree. Only components both
 * sides have are compared, so configuring a `last_modified_column` later does not re-read the
 * whole table — except the content component: a fingerprint whose rows were folded another way
 * (a `checksum` recorded before the row hash) cannot vouch for the partition, so the kinds
 * differing is a change, said as such, and the partition is re-read once.
 *
 * @example
 * fingerprintChanges({ rowCount: '1', rowHashSum: '5' }, { rowCount: '2', rowHashSum: '5' }) // ['row count']
 * fingerprintChanges({ rowCount: '1', checksum: 5 }, { rowCount: '1', rowHashSum: '7' }) // ['fingerprint kind (checksum, now row hash)']
 */
export function fingerprintChanges(before: PartitionFingerprint, now: PartitionFingerprint): string[] {
  const changes = FIELDS.filter(
    ([field]) => field in before && field in now && (before[field] ?? null) !== (now[field] ?? null),
  ).map(([, words]) => words);
  const kind = (f: PartitionFingerprint) =>
    'rowHashSum' in f ? 'row hash' : 'checksum' in f ? 'checksum' : undefined;
  const [was, is] = [kind(before), kind(now)];
  if (was !== is) {
    changes.push(`fingerprint kind (${was ?? 'none'}, now ${is ?? 'none'})`);
  }
  return changes;
}
