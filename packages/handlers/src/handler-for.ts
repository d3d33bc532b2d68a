import { partitionTableHandler } from './partition-table-handler.js';
import { scdTableHandler } from './scd-table-handler.js';
import { staticTableHandler } from './static-table-handler.js';
import type { TableHandler } from './table-handler.js';
import type { TableKind } from './table-kind.js';

/** The handler of each table kind: a kind missing here is a compile error. */
const tableHandlers: { readonly [K in TableKind]: TableHandler<K> } = {
  partition: partitionTableHandler,
  scd: scdTableHandler,
  static: staticTableHandler,
};

/**
 * The handler of a table's kind: a `TableHandler<'partition'>` for a partition table, and so on;
 * for a table of any kind, the handler of any kind.
 *
 * @example
 * const units = handlerFor(table).plan(table, snapshot, state, run);
 */
export function handlerFor<K extends TableKind>(table: { readonly kind: K }): TableHandler<K> {
  return tableHandlers[table.kind];
}
