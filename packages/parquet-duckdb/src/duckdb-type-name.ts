import type { LakeType } from '@sync/core';

/**
 * The DuckDB SQL type name of a lake type: the column type of the table function the Parquet
 * writer COPYs from, and so the Parquet type of the column.
 *
 * @example
 * duckdbTypeName({ kind: 'decimal', precision: 38, scale: 10 }) // 'DECIMAL(38,10)'
 */
export function duckdbTypeName(type: LakeType): string {
  switch (type.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'int8':
      return 'TINYINT';
    case 'uint8':
      return 'UTINYINT';
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INTEGER';
    case 'int64':
      return 'BIGINT';
    case 'float32':
      return 'FLOAT';
    case 'float64':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'string':
      return 'VARCHAR';
    case 'binary':
      return 'BLOB';
    case 'uuid':
      return 'UUID';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'timestamp_us':
      return 'TIMESTAMP';
    case 'timestamp_ns':
      return 'TIMESTAMP_NS';
    case 'timestamptz_us':
      return 'TIMESTAMPTZ';
  }
}
