import { quoteName } from './warehouse-columns.js';
import type { WarehouseConnection } from './warehouse-connection.js';
import { tableName } from './warehouse-table.js';

/** What every staging (and trash) table name of a warehouse table starts with. */
export function stagingPrefix(table: string): string {
  return `${table}__sqlsync_`;
}

/**
 * Names the staging and trash tables of one run, beside the warehouse table in its schema:
 * `<table>__sqlsync_<run id>_<role><n>` (the run id with anything but letters and digits as `_`).
 *
 * @example
 * new StagingNames('warehouse', 'Orders', '2024-03-01T09-00-00-123Z').next('stage') // '[warehouse].[Orders__sqlsync_2024_03_01T09_00_00_123Z_stage1]'
 */
export class StagingNames {
  #n = 0;
  readonly #base: string;

  constructor(
    readonly schema: string,
    readonly table: string,
    runId: string,
  ) {
    this.#base = `${stagingPrefix(table)}${runId.replace(/[^A-Za-z0-9]/g, '_')}_`;
  }

  /** A fresh name for a role (`stage`, `trash`): its bare name and `[schema].[name]`. */
  next(role: 'stage' | 'trash'): { readonly bare: string; readonly quoted: string } {
    this.#n++;
    const bare = `${this.#base}${role}${this.#n}`;
    return { bare, quoted: tableName(this.schema, bare) };
  }
}

/**
 * Drops every staging or trash table a run of `table` left behind (a crash, a lost connection):
 * called before each load, so a failed run's tables go at the next start. Returns their names.
 *
 * @example
 * await dropLeftoverStaging(dw, 'warehouse', 'Orders') // ['Orders__sqlsync_…_stage1']
 */
export async function dropLeftoverStaging(
  dw: WarehouseConnection,
  schema: string,
  table: string,
): Promise<string[]> {
  // Filtered here, not with LIKE: `_` and `[` in table names are LIKE wildcards.
  const rows = await dw.execute(
    `SELECT t.name FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id WHERE s.name = N'${schema.replace(/'/g, "''")}';`,
  );
  const prefix = stagingPrefix(table).toLowerCase();
  const names = rows.map((r) => String(r.name)).filter((n) => n.toLowerCase().startsWith(prefix));
  for (const name of names) {
    await dw.execute(`DROP TABLE IF EXISTS ${quoteName(schema)}.${quoteName(name)};`);
  }
  return names;
}
