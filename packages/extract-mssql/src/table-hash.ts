import type { TableReadPlan } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';
import { predicateParameters, type RowPredicate } from './predicate.js';
import { queryRows } from './query-rows.js';
import { type RowHashAlgorithm, rowHashFoldExpression } from './row-hash.js';
import { qualifiedName } from './tsql.js';

/**
 * How a whole table is fingerprinted (the config's `hash_algorithm`): a row hash folded by
 * {@link rowHashFoldExpression}, or `checksum`, CHECKSUM_AGG(BINARY_CHECKSUM(*)) — fast, but 32
 * bits, XOR-folded (two equal changes cancel) and blind to some types (see the root README).
 */
export type TableHashAlgorithm = RowHashAlgorithm | 'checksum';

/**
 * The statement computing a table's hash over the rows matching the predicate: COUNT_BIG(*) and
 * the fold of its algorithm, both as text, in one row.
 *
 * @example
 * tableHashStatement(plan, 'checksum')
 * // 'SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS [row_count], CONVERT(varchar(20), CHECKSUM_AGG(BINARY_CHECKSUM(*))) AS [fold] FROM [dbo].[T];'
 */
export function tableHashStatement(
  plan: TableReadPlan,
  algorithm: TableHashAlgorithm,
  predicate?: RowPredicate,
): string {
  const fold =
    algorithm === 'checksum'
      ? 'CONVERT(varchar(20), CHECKSUM_AGG(BINARY_CHECKSUM(*)))'
      : rowHashFoldExpression(plan.schema.columns, algorithm);
  const where = predicate === undefined ? '' : ` WHERE ${predicate.sql}`;
  return `SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS [row_count], ${fold} AS [fold] FROM ${qualifiedName(plan.schema.schemaName, plan.schema.tableName)}${where};`;
}

/**
 * One value for the whole table, computed by the server so only it crosses the network:
 * `<algorithm>:<row count>:<fold>` (the fold is empty for an empty table). Equal values mean
 * unchanged rows (to the algorithm's strength); the column list is part of a row hash, so adding
 * or dropping a column changes it.
 *
 * @example
 * await sourceTableHash(pool, plan, 'hashbytes_sha256') // 'hashbytes_sha256:3:-1234567890123456789'
 */
export async function sourceTableHash(
  pool: ConnectionPool,
  plan: TableReadPlan,
  algorithm: TableHashAlgorithm,
  predicate?: RowPredicate,
): Promise<string> {
  const rows = await queryRows(
    pool,
    tableHashStatement(plan, algorithm, predicate),
    predicateParameters(predicate),
    `${plan.schema.schemaName}.${plan.schema.tableName}`,
  );
  const row = rows[0] ?? {};
  const fold = row.fold === null || row.fold === undefined ? '' : String(row.fold);
  return `${algorithm}:${String(row.row_count ?? '0')}:${fold}`;
}
