import type { SourceColumn, StaticTableConfig } from '@sync/core';

/** What a static table's last full load recorded about the source, for change detection. */
export interface StaticLoadRecord {
  /** `<algorithm>:<row count>:<fold>` as `SourceConnection.tableHash` returned it. */
  readonly tableHash?: string;
  /** ISO instant of the last full load. */
  readonly lastFullLoadAt?: string;
  /** {@link loadSignature} of the config the last full load was written with. */
  readonly loadSignature?: string;
  /** {@link sourceColumnsSignature} of the source columns the last full load read. */
  readonly sourceColumns?: string;
}

/** What the source looks like now: its table hash and its columns' signature. */
export interface StaticSourceNow {
  readonly tableHash: string;
  readonly sourceColumns: string;
}

/** The decision for one static table: read it in full, or leave the lake as it is. */
export interface StaticLoadDecision {
  readonly load: 'full' | 'skip';
  /** `force_reload_after_days` forced the load: an upsert then reads the whole table too. */
  readonly forced?: true;
  /** Why, for the run summary (e.g. `unchanged (hashbytes_sha256)`, `forced reload: …`). */
  readonly reason: string;
}

const DAY_MS = 86_400_000;

/**
 * The config choices that shape or vouch for the published files besides the source rows: where
 * they go, which columns and how, which rows, and the data-quality checks they passed (a check
 * added or changed must run on the data, so it is not skipped). A change to any reloads the table
 * even if its hash is the same.
 *
 * @example
 * loadSignature(table) // '{"target":"ref.rates","columns":{},"unsupportedTypes":"error","where":null,"dataQuality":null,"primaryKey":null}'
 */
export function loadSignature(table: StaticTableConfig): string {
  return JSON.stringify({
    target: `${table.targetSchema}.${table.targetTable}`,
    columns: table.columns,
    unsupportedTypes: table.unsupportedTypes,
    where: table.customWhereClause ?? null,
    dataQuality: table.dataQuality ?? null,
    primaryKey: table.primaryKeyColumns ?? null,
  });
}

/**
 * The source columns as the lake is written from them: names, SQL types, lengths, precision,
 * scale, nullability and lake types. A column's type changed with its values the same (`int` →
 * `bigint`) leaves the row hashes alone, but the lake's files must be rewritten.
 *
 * @example
 * sourceColumnsSignature(plan.schema.columns) // '[["Id","int",4,10,0,false,"int32"],…]'
 */
export function sourceColumnsSignature(columns: readonly SourceColumn[]): string {
  return JSON.stringify(
    columns.map((c) => [c.name, c.sqlType, c.maxLength, c.precision, c.scale, c.nullable, c.lakeType.kind]),
  );
}

/**
 * Decides whether a static table is read this run; pure. Skipped only when the last full load
 * recorded the same hash (same algorithm, row count and fold), was written with the same
 * {@link loadSignature} from the same source columns, and is younger than `force_reload_after_days`. Anything missing from the
 * record (a first run, a state written before hashes were kept) reads the table.
 *
 * @example
 * decideStaticLoad(table, { tableHash: 'hashbytes_sha256:3:42', sourceColumns }, { tableHash: 'hashbytes_sha256:3:42', lastFullLoadAt, loadSignature: loadSignature(table), sourceColumns }, now)
 * // { load: 'skip', reason: 'unchanged (hashbytes_sha256)' }
 */
export function decideStaticLoad(
  table: StaticTableConfig,
  source: StaticSourceNow,
  last: StaticLoadRecord | undefined,
  now: Date,
): StaticLoadDecision {
  if (last?.tableHash === undefined || last.lastFullLoadAt === undefined) {
    return { load: 'full', reason: 'full reload (no table hash recorded yet)' };
  }
  if (last.loadSignature !== loadSignature(table)) {
    return {
      load: 'full',
      reason:
        'full reload (target, columns, custom_where_clause, primary_key_columns or data_quality changed)',
    };
  }
  if (last.sourceColumns !== source.sourceColumns) {
    return { load: 'full', reason: 'full reload (the source columns changed)' };
  }
  const algorithm = table.hashAlgorithm;
  if (!last.tableHash.startsWith(`${algorithm}:`)) {
    return { load: 'full', reason: `full reload (hash_algorithm is now ${algorithm})` };
  }
  if (last.tableHash !== source.tableHash) {
    return { load: 'full', reason: `changed (${algorithm})` };
  }
  const days = table.forceReloadAfterDays;
  const age = now.getTime() - Date.parse(last.lastFullLoadAt);
  if (days !== undefined && !(age < days * DAY_MS)) {
    return {
      load: 'full',
      forced: true,
      reason: `forced reload: last full load ${Math.floor(age / DAY_MS)} days ago (force_reload_after_days ${days})`,
    };
  }
  return { load: 'skip', reason: `unchanged (${algorithm})` };
}
