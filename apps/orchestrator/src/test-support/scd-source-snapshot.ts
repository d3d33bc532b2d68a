import type { Emulator } from '@sync/mssql-emulator';
import type { ReferenceSourceRow } from './scd-reference.js';

/** A source table of an SCD test, as the reference and the lake comparison need to know it. */
export interface ScdSourceTable {
  readonly schema: string;
  readonly table: string;
  /** Every column, in source order (the lake's first columns). */
  readonly columns: readonly string[];
  /** Columns of a date/time type: compared as `yyyy-mm-dd hh:mi:ss.ffffff` text. */
  readonly timestampColumns: readonly string[];
  readonly businessKey: readonly string[];
  /** The last-modified column, a `datetime2(7)`. */
  readonly lastModified: string;
}

/**
 * A column's comparison text as a DuckDB expression, the same over the emulator's table and the
 * lake's Parquet: decimals keep their scale (`12.3400`), timestamps show all six digits.
 *
 * @example
 * columnText(customers, 'LastModified') // `strftime("LastModified", '%Y-%m-%d %H:%M:%S.%f')`
 */
export function columnText(table: ScdSourceTable, column: string): string {
  const name = `"${column.replaceAll('"', '""')}"`;
  return table.timestampColumns.includes(column)
    ? `strftime(${name}, '%Y-%m-%d %H:%M:%S.%f')`
    : `CAST(${name} AS VARCHAR)`;
}

/**
 * What the source holds now, read through the emulator's DuckDB side door (not through sqlsync's
 * read path, which is under test): every row's key, last_modified to 100 ns (the emulator keeps the
 * 7th digit in a hidden `<col>__100ns` column, see its README) and comparison texts.
 *
 * @example
 * ref.run(await sourceSnapshot(emulator, customers), deleteTime);
 */
export async function sourceSnapshot(
  emulator: Emulator,
  table: ScdSourceTable,
): Promise<ReferenceSourceRow[]> {
  const lm = `"${table.lastModified}"`;
  const select = [
    ...table.businessKey.map((c, i) => `CAST("${c}" AS VARCHAR) AS k${i}`),
    `strftime(${lm}, '%Y-%m-%d %H:%M:%S.%f') || CAST("${table.lastModified}__100ns" AS VARCHAR) AS lm`,
    ...table.columns.map((c, i) => `${columnText(table, c)} AS v${i}`),
  ];
  const rows = await emulator.duckdb(`SELECT ${select.join(', ')} FROM "${table.schema}"."${table.table}"`);
  return rows.map((r) => ({
    key: table.businessKey.map((_, i) => r[`k${i}`] as string),
    lastModified: r.lm as string,
    values: table.columns.map((_, i) => (r[`v${i}`] ?? null) as string | null),
  }));
}

/**
 * The emulator's clock as `SYSDATETIME()` reads it (its DuckDB's `now()` as a local TIMESTAMP), in
 * microseconds: brackets a run's source time, which the lake shows as a deleted version's end date.
 *
 * @example
 * const before = await emulatorNow(emulator); // '2026-12-02 12:00:00.123456'
 */
export async function emulatorNow(emulator: Emulator): Promise<string> {
  const [row] = await emulator.duckdb(
    `SELECT strftime(CAST(now() AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f') AS now`,
  );
  return row?.now as string;
}
