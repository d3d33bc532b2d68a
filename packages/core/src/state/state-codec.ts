import type { z } from 'zod';
import { SqlSyncError } from '../errors.js';

/**
 * How one table kind's state is checked on read: its current `version`, the zod schema of that
 * version, and a migration from each older version to the next. A state of an older version is
 * migrated step by step, then parsed; a newer one is refused (`STATE_VERSION`): this sqlsync
 * cannot know what it means. A state that does not parse is `STATE_CORRUPT`, healed like a file
 * that is not JSON.
 *
 * @example
 * const codec: StateCodec<OrdersState> = {
 *   kind: 'partition',
 *   version: 2,
 *   schema: ordersStateSchema,
 *   migrations: { 1: (v1) => ({ ...v1, version: 2, boundaries: [] }) },
 * };
 */
export interface StateCodec<T> {
  /** The table kind, for messages. */
  readonly kind: string;
  /** The version this sqlsync writes (the state's own `version` field). */
  readonly version: number;
  readonly schema: z.ZodType<T>;
  /** `migrations[n]` turns a version-n state into a version-(n+1) one. Defaults to none. */
  readonly migrations?: Readonly<Record<number, (state: Record<string, unknown>) => Record<string, unknown>>>;
}

/**
 * Checks (and migrates) a state read from `path` with its kind's codec.
 *
 * @example
 * decodeState(partitionStateCodec, file.state, { path, tableId: 'sales.Orders' }) // a PartitionTableState
 */
export function decodeState<T>(
  codec: StateCodec<T>,
  raw: unknown,
  where: { readonly path: string; readonly tableId: string },
): T {
  const context = { table: where.tableId };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SqlSyncError(
      'STATE_CORRUPT',
      `state file ${where.path}: the ${codec.kind} state is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}, not an object`,
      { context },
    );
  }
  let state = raw as Record<string, unknown>;
  const version = state.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SqlSyncError(
      'STATE_CORRUPT',
      `state file ${where.path}: the ${codec.kind} state has no valid version (${JSON.stringify(version)})`,
      { context },
    );
  }
  if (version > codec.version) {
    throw new SqlSyncError(
      'STATE_VERSION',
      `state file ${where.path}: ${codec.kind} state version ${version} is newer than this sqlsync understands (${codec.version}); upgrade sqlsync, or reset the table's state (sqlsync state reset)`,
      { context },
    );
  }
  for (let v = version; v < codec.version; v++) {
    const migrate = codec.migrations?.[v];
    if (migrate === undefined) {
      throw new SqlSyncError(
        'STATE_CORRUPT',
        `state file ${where.path}: no migration of ${codec.kind} state version ${v} to ${v + 1}`,
        { context },
      );
    }
    state = migrate(state);
  }
  const parsed = codec.schema.safeParse(state);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(state)'}: ${i.message}`)
      .join('; ');
    throw new SqlSyncError(
      'STATE_CORRUPT',
      `state file ${where.path}: not a valid ${codec.kind} state (${problems})`,
      { context },
    );
  }
  if ((parsed.data as { tableId?: unknown }).tableId !== undefined) {
    const inner = (parsed.data as { tableId?: unknown }).tableId;
    if (inner !== where.tableId) {
      throw new SqlSyncError(
        'STATE_CORRUPT',
        `state file ${where.path} holds the state of ${String(inner)}, not of ${where.tableId}`,
        { context },
      );
    }
  }
  return parsed.data;
}
