import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';

/**
 * A table's data-quality checks (`data_quality`), evaluated on the staged data before anything is
 * published: a failed check fails the table, names the check, and leaves the lake as it was.
 *
 * @example
 * // static_tables:
 * //   - table_name: Rates
 * //     data_quality: { primary_key_unique: true, not_null_columns: [Rate], min_rows: 1, max_rows: 500 }
 */
export const dataQualityConfigSchema = z
  .strictObject({
    primary_key_unique: z
      .boolean()
      .default(false)
      .describe(
        "Every row's primary key (primary_key_columns, else the table's primary key in the source catalog) appears once. Defaults to false.",
      ),
    not_null_columns: z
      .array(sqlName)
      .default([])
      .describe('Columns that must hold no NULL. Defaults to none.'),
    min_rows: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('The table must have at least this many rows. Defaults to no lower bound.'),
    max_rows: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('The table must have at most this many rows. Defaults to no upper bound.'),
  })
  .superRefine((v, ctx) => {
    if (v.min_rows !== undefined && v.max_rows !== undefined && v.min_rows > v.max_rows) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_rows'],
        message: `must be at least min_rows (${v.min_rows}), got ${v.max_rows}`,
      });
    }
  })
  .transform((v) => ({
    primaryKeyUnique: v.primary_key_unique,
    notNullColumns: v.not_null_columns,
    ...(v.min_rows === undefined ? {} : { minRows: v.min_rows }),
    ...(v.max_rows === undefined ? {} : { maxRows: v.max_rows }),
  }));

/** Parsed `data_quality` checks (camelCase). */
export type DataQualityConfig = DeepReadonly<z.output<typeof dataQualityConfigSchema>>;
