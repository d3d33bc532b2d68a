import { z } from 'zod';
import type { ConfigProblem } from './config-error.js';
import { databaseConfigSchema, databaseShape } from './database-config.js';
import type { DeepReadonly } from './deep-freeze.js';
import { destinationConfigSchema, mssqlDestinationShape } from './destination-config.js';
import { sqlName } from './names.js';
import { onlyAccepted } from './not-supported-yet.js';
import { partitionTableConfigSchema, partitionTableShape } from './partition-table-config.js';
import { processingConfigSchema, processingShape } from './processing-config.js';
import { scdTableConfigSchema, scdTableShape } from './scd-table-config.js';
import { stateConfigSchema, stateShape } from './state-config.js';
import { staticTableConfigSchema, staticTableShape } from './static-table-config.js';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
/** A config log level, upper case as in the original tool. */
export type ConfigLogLevel = (typeof LOG_LEVELS)[number];

const pipelineShape = {
  database: databaseConfigSchema.describe('SQL Server connection.'),
  processing: processingConfigSchema.prefault({}).describe('Parallelism, batching and retries.'),
  state: stateConfigSchema.prefault({}).describe('State and lake directories.'),
  partition_tables: z.array(partitionTableConfigSchema).default([]).describe('Partition tables.'),
  scd_tables: z
    .array(scdTableConfigSchema)
    .default([])
    .describe('SCD Type 2 tables: a history of versions per business key, merged incrementally.'),
  static_tables: z.array(staticTableConfigSchema).default([]).describe('Static reference tables.'),
  pipeline_name: sqlName
    .default('sql_server_incremental')
    .describe(
      'Name of this pipeline in logs, lake metadata and Airflow. Defaults to sql_server_incremental.',
    ),
  destination: destinationConfigSchema,
  log_level: z
    .enum([...LOG_LEVELS, ...LOG_LEVELS.map((l) => l.toLowerCase() as Lowercase<ConfigLogLevel>)])
    .default('INFO')
    .transform((l) => l.toUpperCase() as ConfigLogLevel)
    .describe('TRACE, DEBUG, INFO, WARNING, ERROR or CRITICAL (any case). Defaults to INFO.'),
  enable_structured_logging: onlyAccepted(
    z.boolean().default(true),
    true,
    'sqlsync always logs JSON lines to stderr; pipe them through pino-pretty to read them. Remove the field',
  ).describe(
    'Accepted for compatibility: sqlsync always logs JSON lines to stderr, so only true is accepted (warned at load). Defaults to true.',
  ),
  log_file: z
    .string()
    .min(1)
    .optional()
    .describe('Also append the JSON log lines (of the CLI and its worker threads) to this file.'),
} as const;

/** Every key the file format knows, for "did you mean" hints on typos. */
export const CONFIG_FILE_KEYS: readonly string[] = [
  ...new Set(
    [
      databaseShape,
      processingShape,
      stateShape,
      partitionTableShape,
      scdTableShape,
      staticTableShape,
      pipelineShape,
      mssqlDestinationShape,
    ]
      .flatMap((shape) => Object.keys(shape))
      .concat(['timestamp_precision']),
  ),
];

/**
 * Partition switching is a SQL Server destination's way of loading a partition; the lake replaces
 * partitions by switching its own directories whatever these say. So without `destination: { type:
 * mssql }` a `false` would be parsed and ignored: it is refused, naming the field.
 */
function refuseSwitchingWithoutWarehouse(
  v: {
    readonly destination?: { readonly type: string } | undefined;
    readonly processing?: { readonly enableSqlServerPartitionSwitching?: boolean } | undefined;
    readonly partition_tables?:
      | readonly ({ readonly enablePartitionSwitching?: boolean } | undefined)[]
      | unknown;
  },
  ctx: z.RefinementCtx,
): void {
  if (v.destination?.type === 'mssql') {
    return;
  }
  const message =
    'applies only to a SQL Server destination (destination: { type: mssql }): the lake replaces each partition by switching its directory; remove it';
  if (v.processing?.enableSqlServerPartitionSwitching === false) {
    ctx.addIssue({ code: 'custom', path: ['processing', 'enable_sql_server_partition_switching'], message });
  }
  const tables = Array.isArray(v.partition_tables) ? v.partition_tables : [];
  for (const [index, table] of tables.entries()) {
    if ((table as { enablePartitionSwitching?: boolean } | undefined)?.enablePartitionSwitching === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['partition_tables', index, 'enable_partition_switching'],
        message,
      });
    }
  }
}

/**
 * The whole config file: snake_case in, camelCase out. Parse with {@link parseConfig} or
 * {@link loadConfig}, which also freeze the result and phrase errors for people.
 */
export const pipelineConfigSchema = z
  .strictObject(pipelineShape)
  .superRefine((v, ctx) => {
    refuseSwitchingWithoutWarehouse(v, ctx);
    // SQL Server names compare case-insensitively under the default collations, and lake
    // directories may sit on a case-insensitive file system, so duplicates are found ignoring case.
    const sources = new Map<string, string>();
    const targets = new Map<string, string>();
    const lists = [
      ['partition_tables', v.partition_tables],
      ['scd_tables', v.scd_tables],
      ['static_tables', v.static_tables],
    ] as const;
    for (const [list, tables] of lists) {
      for (const [index, table] of (Array.isArray(tables) ? tables : []).entries()) {
        // zod still runs this check when a table failed; such an entry is the raw input, already reported.
        if (typeof table?.id !== 'string') {
          continue;
        }
        const where = `${list}[${index}]`;
        const source = table.id.toLowerCase();
        const seenSource = sources.get(source);
        if (seenSource === undefined) {
          sources.set(source, where);
        } else {
          ctx.addIssue({
            code: 'custom',
            path: [list, index, 'table_name'],
            message: `table ${table.id} is already configured at ${seenSource}`,
          });
        }
        const target = `${table.targetSchema}.${table.targetTable}`.toLowerCase();
        const seenTarget = targets.get(target);
        if (seenTarget === undefined) {
          targets.set(target, where);
        } else if (seenSource === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [list, index, 'target_table'],
            message: `lake table ${table.targetSchema}.${table.targetTable} is already written by ${seenTarget}`,
          });
        }
      }
    }
  })
  .transform((v) => ({
    database: v.database,
    processing: v.processing,
    state: v.state,
    partitionTables: v.partition_tables,
    scdTables: v.scd_tables,
    staticTables: v.static_tables,
    pipelineName: v.pipeline_name,
    destination: v.destination,
    logLevel: v.log_level,
    enableStructuredLogging: v.enable_structured_logging,
    ...(v.log_file === undefined ? {} : { logFile: v.log_file }),
  }));

/**
 * A parsed, validated and deeply frozen sqlsync configuration, in camelCase. `warnings` lists the
 * fields written in the file that are accepted but change nothing (an ODBC `driver`, …), for the
 * caller to log.
 *
 * @example
 * const config = await loadConfig('sqlsync.yaml');
 * config.database.trustServerCertificate; // false unless the file says otherwise
 * config.partitionTables[0]?.partitionColumn;
 * for (const w of config.warnings) logger.warn({ configPath: w.path }, w.message);
 */
export type PipelineConfig = DeepReadonly<
  z.output<typeof pipelineConfigSchema> & { warnings: ConfigProblem[] }
>;
/** The config file's shape (snake_case), as accepted by {@link parseConfig}. */
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;

/**
 * One configured table of any kind; `kind` tells which. Every variant has `id` (`schema.table` of
 * the source), `schemaName`, `tableName`, `targetSchema`, `targetTable`.
 */
export type TableConfig =
  | PipelineConfig['partitionTables'][number]
  | PipelineConfig['scdTables'][number]
  | PipelineConfig['staticTables'][number];

/**
 * All tables of a config in file order: partition tables, then SCD tables, then static tables.
 *
 * @example
 * for (const table of listTables(config)) {
 *   if (table.kind === 'scd') console.log(table.id, table.businessKeyColumns);
 * }
 */
export function listTables(config: PipelineConfig): TableConfig[] {
  return [...config.partitionTables, ...config.scdTables, ...config.staticTables];
}
