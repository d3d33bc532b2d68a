import type { TableConfig } from '@sync/core';

/**
 * The kinds of table sqlsync knows: the `kind` of a configured table (`@sync/core`'s
 * `TableConfig` is a union discriminated by it). A kind added there is a compile error wherever a
 * handler, a unit or a record by kind is missing for it.
 *
 * @example
 * const kinds: readonly TableKind[] = ['partition', 'scd', 'static'];
 */
export type TableKind = TableConfig['kind'];

/**
 * The configured table of one kind.
 *
 * @example
 * const orders: TableConfigOf<'partition'> = config.partitionTables[0];
 * orders.partitionColumn;
 */
export type TableConfigOf<K extends TableKind> = Extract<TableConfig, { readonly kind: K }>;
