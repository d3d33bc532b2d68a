import { z } from 'zod';
import { lakeSegmentProblem, sqlName } from './names.js';

/** Per-column overrides, keyed by source column name. */
export const columnOverrideSchema = z
  .strictObject({
    timestamp_precision: z
      .enum(['us', 'ns'])
      .optional()
      .describe(
        'us (default): TIMESTAMP in microseconds, full 0001-9999 range. ns: TIMESTAMP_NS keeps datetime2(7) 100 ns ticks, range 1677-2262 checked.',
      ),
  })
  .transform((v) => ({
    ...(v.timestamp_precision === undefined ? {} : { timestampPrecision: v.timestamp_precision }),
  }));

/** Fields every table kind has, in the file's snake_case names. */
export const commonTableShape = {
  table_name: sqlName.describe('Source table name.'),
  schema_name: sqlName.default('dbo').describe('Source schema. Defaults to dbo.'),
  target_table: sqlName.optional().describe('Lake table (directory) name. Defaults to table_name.'),
  target_schema: sqlName.optional().describe('Lake schema (directory) name. Defaults to schema_name.'),
  batch_size: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Rows per batch for this table. Defaults to processing.batch_size.'),
  custom_where_clause: z
    .string()
    .min(1)
    .optional()
    .describe('Extra T-SQL predicate ANDed to every source query of this table (trusted input).'),
  columns: z
    .record(z.string().min(1), columnOverrideSchema)
    .default({})
    .describe('Per-column overrides keyed by source column name.'),
  unsupported_types: z
    .enum(['error', 'skip', 'as_text'])
    .default('error')
    .describe(
      'What to do with a column whose SQL Server type has no lake type: error (default), skip it, or as_text.',
    ),
} as const;

type CommonTableInput = z.output<z.ZodObject<typeof commonTableShape>>;

/**
 * The camelCase identity and shared settings of a parsed table, with target names defaulted.
 * `id` is `schema.table` of the source table.
 */
export function commonTableOutput(v: CommonTableInput) {
  return {
    id: `${v.schema_name}.${v.table_name}`,
    schemaName: v.schema_name,
    tableName: v.table_name,
    targetSchema: v.target_schema ?? v.schema_name,
    targetTable: v.target_table ?? v.table_name,
    ...(v.batch_size === undefined ? {} : { batchSize: v.batch_size }),
    ...(v.custom_where_clause === undefined ? {} : { customWhereClause: v.custom_where_clause }),
    columns: v.columns,
    unsupportedTypes: v.unsupported_types,
  };
}

/** Reports target names (explicit or defaulted from the source names) that cannot be lake directories. */
export function checkLakeNames(v: CommonTableInput, ctx: z.RefinementCtx): void {
  const targets: [string, string][] = [
    [v.target_schema === undefined ? 'schema_name' : 'target_schema', v.target_schema ?? v.schema_name],
    [v.target_table === undefined ? 'table_name' : 'target_table', v.target_table ?? v.table_name],
  ];
  for (const [key, name] of targets) {
    const problem = lakeSegmentProblem(name);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  }
}
