import { type LakeRows, parquetFiles } from './lake-rows.js';
import { quoteName } from './warehouse-columns.js';
import type { WarehouseConnection } from './warehouse-connection.js';
import type { WarehouseLoadRequest } from './warehouse-load.js';
import { warehouseSpec } from './warehouse-load.js';
import { checkWarehouseTable, tableName } from './warehouse-table.js';

/** What `sqlsync validate` found about one warehouse table. */
export interface WarehouseTableValidation {
  /** `schema.table` in the warehouse. */
  readonly table: string;
  readonly exists: boolean;
  /** One line per problem (column, type, nullability, key, partition function, permission). */
  readonly problems: readonly string[];
}

const nstr = (text: string): string => `N'${text.replace(/'/g, "''")}'`;

/**
 * Checks, reading only, that a table can be loaded into the warehouse: an existing table matches
 * the lake's columns and key and (for switching) its partition function is aligned with the
 * source's boundaries, and the login holds ALTER, INSERT, UPDATE and DELETE on it; a missing table
 * can be created (CREATE TABLE in the database, ALTER on an existing schema). An SCD2 table not in
 * the lake yet is checked for existence and permissions only (its SCD columns are not known yet).
 *
 * @example
 * const v = await validateWarehouseTable(dw, lake, request);
 * for (const p of v.problems) console.error(p);
 */
export async function validateWarehouseTable(
  dw: WarehouseConnection,
  lake: LakeRows,
  request: WarehouseLoadRequest,
): Promise<WarehouseTableValidation> {
  const where = `${request.schema}.${request.table}`;
  const { spec } = await warehouseSpec(lake, request);
  const inLake = (await parquetFiles(request.lakeDir)).length > 0;
  const check = await checkWarehouseTable(dw, spec);
  const problems = request.kind === 'scd' && !inLake ? [] : [...check.mismatches];
  const perm = async (securable: string | null, cls: string | null, permission: string): Promise<boolean> => {
    const rows = await dw.execute(
      `SELECT HAS_PERMS_BY_NAME(${securable === null ? 'NULL' : nstr(securable)}, ${cls === null ? 'NULL' : nstr(cls)}, ${nstr(permission)}) AS granted;`,
    );
    return Number(rows[0]?.granted) === 1;
  };
  if (check.exists) {
    for (const permission of ['ALTER', 'INSERT', 'UPDATE', 'DELETE']) {
      if (!(await perm(tableName(request.schema, request.table), 'OBJECT', permission))) {
        problems.push(
          `the warehouse login lacks ${permission} on ${where} (loading it needs ALTER for SWITCH and staging, INSERT, UPDATE, DELETE)`,
        );
      }
    }
  } else {
    if (!(await perm(null, null, 'CREATE TABLE'))) {
      problems.push(`${where} does not exist and the warehouse login lacks CREATE TABLE to create it`);
    }
    const schema = await dw.execute(`SELECT SCHEMA_ID(${nstr(request.schema)}) AS id;`);
    if (
      schema[0]?.id !== null &&
      schema[0]?.id !== undefined &&
      !(await perm(quoteName(request.schema), 'SCHEMA', 'ALTER'))
    ) {
      problems.push(
        `${where} does not exist and the warehouse login lacks ALTER on schema ${request.schema} to create it`,
      );
    }
  }
  return { table: where, exists: check.exists, problems };
}
