import type { SourcePartition } from '@sync/extract-mssql';

/**
 * What a source partition looked like when it was last read: COUNT_BIG, CHECKSUM_AGG of
 * BINARY_CHECKSUM(*), MAX of the last-modified column when configured, and for a source partition
 * scheme the storage engine's row count and the partition's boundaries. Plain JSON (kept in state).
 */
export interface PartitionFingerprint {
  readonly rowCount: string;
  readonly checksum: number | null;
  readonly maxModified?: string | null;
  readonly catalogRows?: string;
  readonly lowerBoundary?: string | null;
  readonly upperBoundary?: string | null;
}

const FIELDS: readonly [keyof PartitionFingerprint, string][] = [
  ['rowCount', 'row count'],
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
 * fingerprintOf(partition) // { rowCount: '8333', checksum: -1234567, maxModified: '2024-02-01T10:00:00' }
 */
export function fingerprintOf(partition: SourcePartition): PartitionFingerprint {
  return {
    rowCount: partition.rowCount,
    checksum: partition.checksum,
    ...(partition.maxModified === undefined ? {} : { maxModified: partition.maxModified }),
    ...(partition.catalogRows === undefined ? {} : { catalogRows: partition.catalogRows }),
    ...(partition.lowerBoundary === undefined ? {} : { lowerBoundary: partition.lowerBoundary }),
    ...(partition.upperBoundary === undefined ? {} : { upperBoundary: partition.upperBoundary }),
  };
}

/**
 * The components that differ, in words; empty when the fingerprints agree. Only components both
 * sides have are compared, so configuring a `last_modified_column` later does not re-read the
 * whole table.
 *
 * @example
 * fingerprintChanges({ rowCount: '1', checksum: 5 }, { rowCount: '2', checksum: 5 }) // ['row count']
 */
export function fingerprintChanges(before: PartitionFingerprint, now: PartitionFingerprint): string[] {
  return FIELDS.filter(
    ([field]) => field in before && field in now && (before[field] ?? null) !== (now[field] ?? null),
  ).map(([, words]) => words);
}
