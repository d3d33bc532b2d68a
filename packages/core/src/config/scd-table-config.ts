import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { checkLakeNames, commonTableOutput, commonTableShape } from './table-fields.js';

export const scdTableShape = {
  ...commonTableShape,
  business_key_columns: z
    .array(sqlName)
    .min(1)
    .describe('Columns identifying one entity across its versions.'),
  last_modified_column: sqlName
    .default('LastModified')
    .describe('Timestamp of the last change; the incremental watermark. Defaults to LastModified.'),
  is_latest_column: sqlName
    .default('IsLatest')
    .describe('Lake column flagging the current version of each key. Defaults to IsLatest.'),
  effective_date_column: sqlName
    .default('effective_date')
    .describe('Lake column: when a version became current. Defaults to effective_date.'),
  end_date_column: sqlName
    .default('end_date')
    .describe(
      'Lake column: when a version stopped being current (9999-12-31 while current). Defaults to end_date.',
    ),
  lookback_minutes: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe(
      'Re-read rows modified up to this many minutes before the watermark (late commits, clock skew). Defaults to 0.',
    ),
} as const;

/**
 * An SCD Type 2 table: rows changed since the watermark (`last_modified_column`) are merged into a
 * history keyed by `business_key_columns`, with effective/end dates and an is-latest flag.
 */
export const scdTableConfigSchema = z
  .strictObject(scdTableShape)
  .superRefine(checkLakeNames)
  .transform((v) => ({
    kind: 'scd' as const,
    ...commonTableOutput(v),
    businessKeyColumns: v.business_key_columns,
    lastModifiedColumn: v.last_modified_column,
    isLatestColumn: v.is_latest_column,
    effectiveDateColumn: v.effective_date_column,
    endDateColumn: v.end_date_column,
    lookbackMinutes: v.lookback_minutes,
  }));

/** A parsed SCD Type 2 table (camelCase, frozen). */
export type SCDTableConfig = DeepReadonly<z.output<typeof scdTableConfigSchema>>;
/** An SCD Type 2 table as written in a config file (snake_case). */
export type SCDTableConfigInput = z.input<typeof scdTableConfigSchema>;
