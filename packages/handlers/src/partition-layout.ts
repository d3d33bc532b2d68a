import { boundaryLabel, type PartitionSpec } from '@sync/extract-mssql';
import { NULL_PARTITION } from '@sync/parquet-duckdb';

/**
 * The hive directory key of a partition table. Only a partition per value uses the column's own
 * name: for calendar buckets and scheme partitions the directory label is not the row's value, and
 * readers with hive partitioning (DuckDB, Spark) would let a key equal to a stored column shadow
 * the real values — so the key says what the label is.
 *
 * @example
 * directoryKey(valueSpec)       // 'COBID'
 * directoryKey(monthSpec)       // 'OrderDate_month'
 * directoryKey(schemeSpec)      // 'OrderDate_partition'
 */
export function directoryKey(spec: PartitionSpec): string {
  switch (spec.mode) {
    case 'scheme':
      return `${spec.column}_partition`;
    case 'granularity':
      return `${spec.column}_${spec.granularity}`;
    case 'value':
      return spec.column;
  }
}

/**
 * The directory value of a source partition key: for a source partition scheme the partition's
 * lower boundary value, labelled like the calendar buckets (`2024-01-01`, a time of day only when
 * the boundary has one: `2024-01-01T06:00:00`; numbers and strings as their text; see
 * `boundaryLabel`) — under RANGE RIGHT the lowest value the partition holds, under RANGE LEFT the
 * value just below it (the boundary belongs to the partition before). The first partition has no
 * lower boundary: `null`, Hive's default partition, which readers show as NULL (it also holds the
 * rows whose column is NULL). A boundary never moves, so a SPLIT or MERGE RANGE leaves the other
 * partitions' labels alone. A calendar bucket is `2024-01-15` / `2024-01` / `2024`, a value itself;
 * `null` for the NULL partition (Hive's `__HIVE_DEFAULT_PARTITION__`).
 *
 * @example
 * directoryValue(monthSpec, '2024-01-01')                // '2024-01'
 * directoryValue(schemeSpec, '2024-02-01T00:00:00.000')  // '2024-02-01'
 * directoryValue(schemeSpec, null)                       // null: the first partition
 */
export function directoryValue(spec: PartitionSpec, key: string | null): string | null {
  if (key === null) {
    return null;
  }
  switch (spec.mode) {
    case 'scheme':
      return boundaryLabel(key, spec.scheme.parameterType.name);
    case 'granularity':
      return spec.granularity === 'day'
        ? key
        : spec.granularity === 'month'
          ? key.slice(0, 7)
          : key.slice(0, 4);
    case 'value':
      return key;
  }
}

/**
 * A partition unit's id: `schema.table#<key>=<value>`.
 *
 * @example
 * partitionUnitId('sales.Orders', 'OrderDate_month', '2024-01') // 'sales.Orders#OrderDate_month=2024-01'
 */
export function partitionUnitId(tableId: string, key: string, value: string | null): string {
  return `${tableId}#${key}=${value ?? NULL_PARTITION}`;
}
