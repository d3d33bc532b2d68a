import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { checkLakeNames, commonTableOutput, commonTableShape } from './table-fields.js';

export const scdTableShape = {
  ...commonTableShape,
  business_key_columns: z
    .array(sqlName)
    .min(1)
    .optional()
    .describe(
      "Columns identifying one entity across its versions. Defaults to the source's primary key, else its only unique index (unfiltered); a table with neither must set it.",
    ),
  last_modified_column: sqlName
    .default('LastModified')
    .describe(
      'Timestamp of the last change (date, smalldatetime, datetime or datetime2); the incremental watermark and the effective date of each version. Defaults to LastModified.',
    ),
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
  is_deleted_column: sqlName
    .default('IsDeleted')
    .describe(
      'Lake column (BOOLEAN) marking a version closed because its key left the source (detect_deletes). Defaults to IsDeleted.',
    ),
  detect_deletes: z
    .boolean()
    .default(false)
    .describe(
      "Compare the source's key set with the lake every run and close the latest version of each key gone from the source (end date = the run's source time, is_deleted true). Defaults to false.",
    ),
  bucket_count: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(16)
    .describe(
      'Lake files the history is spread over, by a hash of the business key (1..1024); a run rewrites only the buckets holding changed keys. Fixed at the first load. Defaults to 16.',
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

/** The settings naming the lake's SCD columns, in the order their conflicts are reported. */
const SCD_LAKE_COLUMNS = [
  'is_latest_column',
  'effective_date_column',
  'end_date_column',
  'is_deleted_column',
] as const;

type ScdTableInput = z.output<z.ZodObject<typeof scdTableShape>>;

/**
 * The checks that need more than one field: the four lake columns must differ (ignoring case, as
 * DuckDB and Parquet readers compare names), and the last-modified column cannot be written as
 * TIMESTAMP_NS, whose range (1677-2262) has no room for the open end date 9999-12-31.
 */
function checkScdColumns(v: ScdTableInput, ctx: z.RefinementCtx): void {
  const seen = new Map<string, (typeof SCD_LAKE_COLUMNS)[number]>();
  for (const key of SCD_LAKE_COLUMNS) {
    const name = v[key];
    const earlier = seen.get(name.toLowerCase());
    if (earlier === undefined) {
      seen.set(name.toLowerCase(), key);
    } else {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${name} is already the ${earlier} (${v[earlier]}); is_latest_column, effective_date_column, end_date_column and is_deleted_column must name four different lake columns, ignoring case`,
      });
    }
  }
  for (const [column, override] of Object.entries(v.columns)) {
    if (
      column.toLowerCase() === v.last_modified_column.toLowerCase() &&
      override.timestampPrecision === 'ns'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns', column, 'timestamp_precision'],
        message: `ns is not possible for the last_modified_column (${v.last_modified_column}): its values are also the effective and end dates, and the open end date 9999-12-31 does not fit TIMESTAMP_NS (1677-2262); remove it (us keeps microseconds)`,
      });
    }
  }
}

/**
 * An SCD Type 2 table: rows changed since the watermark (`last_modified_column`) are merged into a
 * history keyed by the business key, with effective/end dates, an is-latest flag and, with
 * `detect_deletes`, an is-deleted flag, spread over `bucket_count` lake files.
 */
export const scdTableConfigSchema = z
  .strictObject(scdTableShape)
  .superRefine(checkLakeNames)
  .superRefine(checkScdColumns)
  .transform((v) => ({
    kind: 'scd' as const,
    ...commonTableOutput(v),
    ...(v.business_key_columns === undefined ? {} : { businessKeyColumns: v.business_key_columns }),
    lastModifiedColumn: v.last_modified_column,
    isLatestColumn: v.is_latest_column,
    effectiveDateColumn: v.effective_date_column,
    endDateColumn: v.end_date_column,
    isDeletedColumn: v.is_deleted_column,
    detectDeletes: v.detect_deletes,
    bucketCount: v.bucket_count,
    lookbackMinutes: v.lookback_minutes,
  }));

/** A parsed SCD Type 2 table (camelCase, frozen). */
export type SCDTableConfig = DeepReadonly<z.output<typeof scdTableConfigSchema>>;
/** An SCD Type 2 table as written in a config file (snake_case). */
export type SCDTableConfigInput = z.input<typeof scdTableConfigSchema>;
