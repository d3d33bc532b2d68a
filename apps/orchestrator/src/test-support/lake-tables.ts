import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** How two lakes' copies of one table compare. */
export interface LakeTableComparison {
  readonly rowsA: number;
  readonly rowsB: number;
  /** Rows of A missing from B plus rows of B missing from A (multiset difference both ways). */
  readonly differingRows: number;
}

/**
 * Compares one lake table (`<lake>/<schema>/<table>/**\/*.parquet`, hive partitions included) in
 * two lakes, row for row with DuckDB.
 *
 * @example
 * const c = await compareLakeTable(lakeA, lakeB, 'sales/orders', 'Id, OrderDate, Amount');
 * expect(c.differingRows).toBe(0);
 */
export async function compareLakeTable(
  lakeA: string,
  lakeB: string,
  tablePath: string,
  columns: string,
): Promise<LakeTableComparison> {
  const scan = (lake: string): string =>
    `read_parquet('${join(lake, tablePath, '**', '*.parquet').replaceAll("'", "''")}', hive_partitioning = true)`;
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const count = async (sql: string): Promise<number> =>
      Number((await connection.runAndReadAll(sql)).getRows()[0]?.[0]);
    const a = scan(lakeA);
    const b = scan(lakeB);
    return {
      rowsA: await count(`SELECT count(*) FROM ${a}`),
      rowsB: await count(`SELECT count(*) FROM ${b}`),
      differingRows:
        (await count(
          `SELECT count(*) FROM (SELECT ${columns} FROM ${a} EXCEPT ALL SELECT ${columns} FROM ${b})`,
        )) +
        (await count(
          `SELECT count(*) FROM (SELECT ${columns} FROM ${b} EXCEPT ALL SELECT ${columns} FROM ${a})`,
        )),
    };
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}
