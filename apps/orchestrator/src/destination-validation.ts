import { type Logger, type PipelineConfig, type TableConfig, toSqlSyncError } from '@sync/core';
import { handlerFor, type TableCheck } from '@sync/handlers';
import { LakeRows, validateWarehouseTable, WarehouseConnection } from '@sync/load-mssql';
import type { ValidationReport } from './commands/validate-tables.js';
import { loadRequest } from './destination-step.js';

/**
 * `sqlsync validate` for the SQL Server destination (`destination: { type: mssql }`): per table
 * the source check found valid, the warehouse table exists and matches the lake (columns, types,
 * nullability, key, a partition function aligned with the source's boundaries) or can be created,
 * and the login holds ALTER (and INSERT, UPDATE, DELETE) on it. Each problem is added to its
 * table's check (`destination: …`), which makes the table invalid. A warehouse that cannot be
 * reached makes every table invalid. Reads only. Other destinations: the report unchanged.
 *
 * @example
 * const report = await validateDestination(config, tables, await validateTables(config, tables, logger), logger);
 */
export async function validateDestination(
  config: PipelineConfig,
  tables: readonly TableConfig[],
  report: ValidationReport,
  logger: Logger,
): Promise<ValidationReport> {
  const destination = config.destination;
  if (destination.type !== 'mssql' || report.status === 'failed') {
    return report;
  }
  const problems = new Map<string, string[]>();
  const add = (table: string, problem: string) =>
    problems.set(table, [...(problems.get(table) ?? []), `destination: ${problem}`]);
  let dw: WarehouseConnection | undefined;
  try {
    dw = await WarehouseConnection.open(destination.connection);
  } catch (error) {
    const message = toSqlSyncError(error).message;
    for (const t of tables) {
      add(
        t.id,
        `cannot reach the warehouse ${destination.connection.server}/${destination.connection.database}: ${message}`,
      );
    }
  }
  if (dw !== undefined) {
    const lake = await LakeRows.open();
    try {
      for (const table of tables) {
        if (report.tables.find((c) => c.table === table.id)?.valid !== true) {
          continue;
        }
        try {
          const lakeDir = handlerFor(table).lakeDir(table, config.state.parquetDirectory);
          const request = await loadRequest(
            config,
            destination,
            table,
            [],
            lakeDir,
            { runId: 'validate', lakeRoot: config.state.parquetDirectory, now: new Date() },
            undefined,
          );
          const v = await validateWarehouseTable(dw, lake, request);
          for (const p of v.problems) {
            add(table.id, p);
          }
        } catch (error) {
          add(table.id, toSqlSyncError(error).message);
        }
      }
    } finally {
      lake.close();
      await dw.close();
    }
  }
  if (problems.size === 0) {
    return report;
  }
  const checks: TableCheck[] = report.tables.map((c) => {
    const more = problems.get(c.table) ?? [];
    return more.length === 0 ? c : { ...c, valid: false, problems: [...c.problems, ...more] };
  });
  for (const [table, list] of problems) {
    logger.warn({ table, problems: list }, 'warehouse table is invalid');
  }
  const valid = checks.filter((c) => c.valid).length;
  return {
    ...report,
    status: valid === checks.length ? 'ok' : 'invalid',
    valid_tables: valid,
    invalid_tables: checks.length - valid,
    tables: checks,
  };
}
