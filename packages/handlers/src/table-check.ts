import type { TableConfig } from '@sync/core';
import { SqlSyncError, toSqlSyncError } from '@sync/core';
import { partitionSpecFor } from '@sync/extract-mssql';
import { partitioningRequest } from './partition-table-handler.js';
import type { TableKind } from './table-kind.js';
import type { UnitContext } from './unit-context.js';

/**
 * What `checkTable` found about one configured table. snake_case: this is part of the CLI's JSON
 * contract (`sqlsync validate`).
 */
export interface TableCheck {
  readonly table: string;
  readonly kind: TableKind;
  readonly valid: boolean;
  /** One line per problem, each naming the config field or column at fault. Empty when valid. */
  readonly problems: readonly string[];
  /** How many source columns sqlsync will read (after `unsupported_types: skip`), when the table was found. */
  readonly columns?: number;
}

/** The error codes that mean "this table's config does not fit the source", not "the source is down". */
const TABLE_PROBLEMS = new Set(['SOURCE_SCHEMA', 'CONFIG_INVALID', 'TYPE_UNSUPPORTED']);

/**
 * Checks one configured table against the source, reading only the catalog (as the original
 * tool's `validate_all_tables`): the table exists, every column's type is supported (or left out
 * or read as text per `unsupported_types`), the columns the config names exist — `columns.*`,
 * `partition_column` (and that it suits `granularity` or the partition scheme),
 * `last_modified_column`, `primary_key_columns`, `business_key_columns` — and the login may
 * SELECT from it. A problem with the table is reported in the result; an error reaching the
 * server (connection lost, timeout) is thrown.
 *
 * @example
 * const check = await checkTable(table, resources.context(logger));
 * if (!check.valid) console.error(check.problems.join('\n'));
 */
export async function checkTable(table: TableConfig, ctx: UnitContext): Promise<TableCheck> {
  const problems: string[] = [];
  const result = (columns?: number): TableCheck => ({
    table: table.id,
    kind: table.kind,
    valid: problems.length === 0,
    problems,
    ...(columns === undefined ? {} : { columns }),
  });
  let plan: Awaited<ReturnType<UnitContext['source']['describe']>>;
  try {
    plan = await ctx.source.describe(table.schemaName, table.tableName, {
      columns: table.columns,
      unsupportedTypes: table.unsupportedTypes,
    });
  } catch (error) {
    problems.push(tableProblem(error));
    return result();
  }
  const columns = plan.schema.columns.map((c) => c.name);
  const has = (name: string): boolean => columns.some((c) => c.toLowerCase() === name.toLowerCase());
  const requireColumn = (configPath: string, name: string | undefined): void => {
    if (name !== undefined && !has(name)) {
      problems.push(`${table.id}: ${configPath} ${name} is not a column sqlsync reads from the table`);
    }
  };
  if (table.kind === 'partition') {
    try {
      const scheme = await ctx.source.partitionScheme(table.schemaName, table.tableName);
      partitionSpecFor(table.id, plan.schema.columns, partitioningRequest(table), scheme);
    } catch (error) {
      problems.push(tableProblem(error));
    }
    requireColumn('last_modified_column', table.lastModifiedColumn);
  } else if (table.kind === 'scd') {
    for (const [i, name] of (table.businessKeyColumns ?? []).entries()) {
      requireColumn(`business_key_columns[${i}]`, name);
    }
    requireColumn('last_modified_column', table.lastModifiedColumn);
  } else {
    for (const [i, name] of (table.primaryKeyColumns ?? []).entries()) {
      requireColumn(`primary_key_columns[${i}]`, name);
    }
  }
  const canSelect = await ctx.source.canSelect(table.schemaName, table.tableName);
  if (canSelect !== true) {
    problems.push(
      `${table.id}: the login has no SELECT permission on the table (HAS_PERMS_BY_NAME answered ${canSelect === false ? 0 : 'NULL'})`,
    );
  }
  return result(columns.length);
}

/** The message of an error that is the table's problem; anything else is rethrown. */
function tableProblem(error: unknown): string {
  const failure = toSqlSyncError(error);
  if (!(failure instanceof SqlSyncError) || !TABLE_PROBLEMS.has(failure.code)) {
    throw error;
  }
  return failure.message;
}
