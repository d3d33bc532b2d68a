import { type DuckDBConnection, DuckDBDecimalValue, type DuckDBInstance } from '@duckdb/node-api';
import { formatDecimal, sumFromParts } from '@sync/arrow-decimal';
import type { LakeType } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import { type ParquetSource, readParquetSql } from './parquet-source.js';
import { withConnection } from './read-session.js';
import { quoteIdentifier } from './sql-quote.js';

/** A column to sum: a decimal or integer lake column. */
export interface StatsColumn {
  readonly name: string;
  readonly lakeType: LakeType;
}

/** Figures of a set of Parquet files, to compare with the same figures computed by SQL Server. */
export interface ParquetStats {
  /** `COUNT(*)`. */
  readonly rowCount: bigint;
  /**
   * Exact `SUM` per requested column, as SQL Server's `CONVERT(varchar, SUM(col))` prints it
   * (`'-123.4500'`: minus, at least one integer digit, exactly `scale` decimals; integers plain).
   * `null` when no row has a value, as in SQL.
   */
  readonly sums: Readonly<Record<string, string | null>>;
}

const SUMMABLE = new Set<LakeType['kind']>(['decimal', 'int8', 'uint8', 'int16', 'int32', 'int64']);

/**
 * Counts rows and sums decimal/integer columns over Parquet files, exactly: DuckDB sums decimals
 * as DECIMAL(38, s) in 128-bit integers, which are read as bigint and printed here, never through
 * a double. Throws `VALIDATION_FAILED` when the files cannot be read (none match, a column is
 * missing, a sum overflows DECIMAL(38)), or when a column is neither decimal nor integer.
 *
 * @example
 * const { rowCount, sums } = await readParquetStats('/lake/sales/orders/**\/*.parquet', [
 *   { name: 'Amount', lakeType: { kind: 'decimal', precision: 38, scale: 10 } },
 * ]);
 * // rowCount: 100000n, sums: { Amount: '-1234.5000000000' }
 */
export async function readParquetStats(
  source: ParquetSource,
  columns: readonly StatsColumn[],
  options: { readonly duckdb?: DuckDBInstance | DuckDBConnection } = {},
): Promise<ParquetStats> {
  for (const column of columns) {
    if (!SUMMABLE.has(column.lakeType.kind)) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `cannot sum column ${column.name} of lake type ${column.lakeType.kind}; only decimals and integers`,
        { context: { column: column.name } },
      );
    }
  }
  const from = readParquetSql(source);
  const figures = await withConnection(options.duckdb, async (connection) => {
    try {
      return readFigures(await firstRow(connection, directSql(columns, from)), columns, 'direct');
    } catch (error) {
      if (!isOverflow(error)) {
        throw error;
      }
      return readFigures(await firstRow(connection, splitSql(columns, from)), columns, 'split');
    }
  }).catch((error: unknown) => {
    if (error instanceof SqlSyncError) {
      throw error;
    }
    throw new SqlSyncError('VALIDATION_FAILED', `cannot read Parquet figures: ${messageOf(error)}`, {
      cause: error,
    });
  });
  return figures;
}

/**
 * Plain `SUM`s: DuckDB adds decimals as 128-bit integers and throws on overflow, so a sum that
 * comes back is exact — and this is ~20x faster than the split sums, which are only needed when a
 * sum leaves the 128-bit range.
 */
function directSql(columns: readonly StatsColumn[], from: string): string {
  const sums = columns.map((column, index) => `SUM(${quoteIdentifier(column.name)}) AS s${index}`);
  return `SELECT ${['COUNT(*) AS row_count', ...sums].join(', ')} FROM ${from}`;
}

/**
 * Decimal sums split into integer and fractional halves so neither overflows (100,000 values with
 * 28 integer digits already overflow a 128-bit sum); sumFromParts joins them exactly.
 */
function splitSql(columns: readonly StatsColumn[], from: string): string {
  const sums = columns.flatMap((column, index) => {
    const name = quoteIdentifier(column.name);
    if (column.lakeType.kind !== 'decimal') {
      return [`SUM(${name})::VARCHAR AS i${index}`, `NULL AS f${index}`];
    }
    return [
      `SUM(trunc(${name})::HUGEINT)::VARCHAR AS i${index}`,
      `SUM((${name} - trunc(${name}))::DECIMAL(38,${column.lakeType.scale}))::VARCHAR AS f${index}`,
    ];
  });
  return `SELECT ${['COUNT(*) AS row_count', ...sums].join(', ')} FROM ${from}`;
}

async function firstRow(connection: DuckDBConnection, sql: string): Promise<readonly unknown[]> {
  const row = (await connection.runAndReadAll(sql)).getRows()[0];
  if (row === undefined) {
    throw new SqlSyncError('VALIDATION_FAILED', 'COUNT(*) over the Parquet files returned no row');
  }
  return row;
}

function readFigures(
  row: readonly unknown[],
  columns: readonly StatsColumn[],
  form: 'direct' | 'split',
): ParquetStats {
  const result: Record<string, string | null> = {};
  columns.forEach((column, index) => {
    if (form === 'direct') {
      const sum = row[1 + index];
      result[column.name] =
        sum instanceof DuckDBDecimalValue
          ? formatDecimal({ value: sum.value, precision: 38, scale: sum.scale })
          : textOrNull(sum);
      return;
    }
    const integer = textOrNull(row[1 + 2 * index]);
    result[column.name] =
      column.lakeType.kind === 'decimal'
        ? sumFromParts(integer, textOrNull(row[2 + 2 * index]), column.lakeType.scale)
        : integer;
  });
  return { rowCount: BigInt(String(row[0])), sums: result };
}

function isOverflow(error: unknown): boolean {
  return /Out of Range Error: Overflow/.test(messageOf(error));
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
