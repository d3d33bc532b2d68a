/**
 * The isolation levels `SET TRANSACTION ISOLATION LEVEL` names. The emulator runs every level on
 * DuckDB's MVCC: a statement sees one snapshot, and a transaction sees the snapshot it began with
 * (so READ COMMITTED inside BEGIN TRAN reads more consistently than SQL Server, never less).
 *
 * @example
 * const level: IsolationLevel = 'SNAPSHOT';
 */
export type IsolationLevel =
  | 'READ UNCOMMITTED'
  | 'READ COMMITTED'
  | 'REPEATABLE READ'
  | 'SNAPSHOT'
  | 'SERIALIZABLE';

/**
 * Every level, as `SET TRANSACTION ISOLATION LEVEL` spells it.
 *
 * @example
 * isolationLevels.includes('SNAPSHOT') // true
 */
export const isolationLevels: readonly IsolationLevel[] = [
  'READ UNCOMMITTED',
  'READ COMMITTED',
  'REPEATABLE READ',
  'SNAPSHOT',
  'SERIALIZABLE',
];
