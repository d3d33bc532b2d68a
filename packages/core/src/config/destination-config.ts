import { z } from 'zod';
import { databaseConfigSchema } from './database-config.js';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';

export const mssqlDestinationShape = {
  type: z
    .literal('mssql')
    .describe('A SQL Server warehouse, loaded after the lake from the Parquet just published.'),
  connection: databaseConfigSchema.describe(
    'The warehouse SQL Server: the same fields as `database` (no environment overrides apply here).',
  ),
  target_schema: sqlName
    .optional()
    .describe("Schema of the warehouse tables. Defaults to each table's target_schema."),
  batch_size: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(100_000)
    .describe('Rows per TDS bulk load batch into a staging table. Defaults to 100000.'),
} as const;

/**
 * Where a run's data goes: `parquet` (the lake only; the default) or `{ type: mssql, … }` (the lake,
 * then a SQL Server warehouse loaded from the Parquet the run published). The lake stays the
 * system of record: a warehouse load that fails fails the table, and the next run loads again.
 */
export const destinationConfigSchema = z
  // `destination: parquet` as the original tool writes it is `{ type: parquet }` shortened; one
  // discriminated union then names the exact field a config gets wrong.
  .preprocess(
    (v) => (typeof v === 'string' ? { type: v } : v),
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('parquet') }),
      z.strictObject(mssqlDestinationShape),
    ]),
  )
  .transform((v) =>
    v.type === 'parquet'
      ? { type: 'parquet' as const }
      : {
          type: 'mssql' as const,
          connection: v.connection,
          ...(v.target_schema === undefined ? {} : { targetSchema: v.target_schema }),
          batchSize: v.batch_size,
        },
  )
  .prefault('parquet')
  .describe(
    'parquet (the lake only; the default) or { type: mssql, connection, target_schema, batch_size }: also load a SQL Server warehouse. Defaults to parquet.',
  );

/**
 * A parsed destination (camelCase, frozen).
 *
 * @example
 * if (config.destination.type === 'mssql') console.log(config.destination.connection.server, config.destination.batchSize);
 */
export type DestinationConfig = DeepReadonly<z.output<typeof destinationConfigSchema>>;
/**
 * The SQL Server destination (camelCase, frozen).
 *
 * @example
 * const d: MssqlDestinationConfig = { type: 'mssql', connection, batchSize: 100_000 };
 */
export type MssqlDestinationConfig = Extract<DestinationConfig, { type: 'mssql' }>;
