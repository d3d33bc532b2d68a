import { type DataQualityConfig, SqlSyncError } from '@sync/core';
import type { TableReadPlan } from '@sync/extract-mssql';
import { type QualityFigures, readQualityFigures } from '@sync/parquet-duckdb';
import { tableKey } from './table-key.js';
import type { UnitContext } from './unit-context.js';
import type { WorkUnit } from './work-unit.js';

/** The table facts the checks need: its checks, its configured key and where it lives in the source. */
export interface QualityCheckedTable {
  readonly id: string;
  readonly schemaName: string;
  readonly tableName: string;
  readonly primaryKeyColumns?: readonly string[];
  readonly dataQuality?: DataQualityConfig;
}

/**
 * Runs a table's `data_quality` checks over its staged Parquet files (DuckDB reads them; nothing
 * is published yet) and throws `DATA_QUALITY` naming every failed check — `min_rows`, `max_rows`,
 * `primary_key_unique` (with a repeated key value), `not_null_columns` (with the column and the key
 * of a row holding a NULL). The key of `primary_key_unique` is `primary_key_columns`, else the
 * table's primary key in the source catalog. A check naming a column the table does not have is a
 * `CONFIG_INVALID` error. Does nothing when the table has no checks or nothing was staged.
 *
 * @example
 * const result = await extractToStaging(unit, plan, predicate, ctx);
 * await checkDataQuality(table, unit, plan, result.files, ctx); // throws before anything is published
 */
export async function checkDataQuality(
  table: QualityCheckedTable,
  unit: Pick<WorkUnit, 'id' | 'tableId'>,
  plan: TableReadPlan,
  stagedFiles: readonly string[],
  ctx: Pick<UnitContext, 'source'>,
): Promise<void> {
  const checks = table.dataQuality;
  if (checks === undefined || stagedFiles.length === 0) {
    return;
  }
  const key = checks.primaryKeyUnique
    ? await tableKey(table, ctx, 'data_quality.primary_key_unique')
    : undefined;
  const columns = new Set(plan.schema.columns.map((c) => c.name));
  const named: [string, readonly string[]][] = [
    ['data_quality.not_null_columns', checks.notNullColumns],
    [table.primaryKeyColumns === undefined ? 'primary key' : 'primary_key_columns', key ?? []],
  ];
  for (const [path, names] of named) {
    const missing = names.find((name) => !columns.has(name));
    if (missing !== undefined) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${table.id}: ${path} names column ${missing}, which the table does not have (or which unsupported_types skips)`,
        { context: { table: table.id, column: missing, configPath: path } },
      );
    }
  }
  const figures = await readQualityFigures(stagedFiles, {
    ...(key === undefined ? {} : { uniqueKey: key }),
    notNullColumns: checks.notNullColumns,
    ...(key === undefined ? {} : { sampleColumns: key }),
  });
  const failures = qualityFailures(checks, key, figures);
  if (failures.length > 0) {
    const column = failures.find((f) => f.column !== undefined)?.column;
    throw new SqlSyncError(
      'DATA_QUALITY',
      `${table.id}: data quality check failed, nothing published: ${failures.map((f) => f.message).join('; ')}`,
      { context: { table: table.id, unit: unit.id, ...(column === undefined ? {} : { column }) } },
    );
  }
}

/** One failed check: its message (starting with the check's config name) and the column it is about. */
interface QualityFailure {
  readonly message: string;
  readonly column?: string;
}

function qualityFailures(
  checks: DataQualityConfig,
  key: readonly string[] | undefined,
  figures: QualityFigures,
): QualityFailure[] {
  const failures: QualityFailure[] = [];
  const rows = figures.rowCount;
  if (checks.minRows !== undefined && rows < BigInt(checks.minRows)) {
    failures.push({ message: `min_rows: ${rows} rows, at least ${checks.minRows} expected` });
  }
  if (checks.maxRows !== undefined && rows > BigInt(checks.maxRows)) {
    failures.push({ message: `max_rows: ${rows} rows, at most ${checks.maxRows} expected` });
  }
  const duplicate = figures.duplicateKey;
  if (key !== undefined && duplicate !== undefined) {
    const others = duplicate.duplicatedKeys - 1n;
    failures.push({
      message: `primary_key_unique: key ${keyText(key, duplicate.values)} is held by ${duplicate.rows} rows${others > 0n ? ` (and ${others} more key values repeat)` : ''}`,
      ...(key.length === 1 ? { column: key[0] } : {}),
    });
  }
  for (const column of checks.notNullColumns) {
    const count = figures.nullCounts[column];
    if (count !== undefined && count.nulls > 0n) {
      const sample =
        count.sample === undefined || key === undefined
          ? ''
          : ` (e.g. the row with ${keyText(key, count.sample)})`;
      failures.push({
        message: `not_null_columns: column ${column} holds ${count.nulls} NULL${count.nulls === 1n ? '' : 's'}${sample}`,
        column,
      });
    }
  }
  return failures;
}

/** `(A, B) = ('x', 'y')`: a key value as a reader would type it. */
function keyText(key: readonly string[], values: readonly (string | null)[]): string {
  const shown = values.map((v) => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`));
  return key.length === 1 ? `${key[0]} = ${shown[0]}` : `(${key.join(', ')}) = (${shown.join(', ')})`;
}
