import { z } from 'zod';
import { dataQualityConfigSchema } from './data-quality-config.js';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { checkLakeNames, commonTableOutput, commonTableShape } from './table-fields.js';

export const staticTableShape = {
  ...commonTableShape,
  hash_algorithm: z
    .enum(['checksum', 'hashbytes_md5', 'hashbytes_sha256'])
    .default('hashbytes_sha256')
    .describe(
      'Server-side hash that detects change: an unchanged table is skipped (0 rows read, no file rewritten). hashbytes_sha256 / hashbytes_md5: HASHBYTES of every column of every row, folded on the server into one 64-bit-strong value; checksum: CHECKSUM_AGG(BINARY_CHECKSUM(*)), faster but 32 bits and XOR-folded (equal changes on an even number of rows cancel) and blind to some types. Defaults to hashbytes_sha256.',
    ),
  load_strategy: z
    .enum(['replace', 'upsert'])
    .default('replace')
    .describe(
      'replace reads and rewrites the whole table when it changed; upsert compares per-row hashes (hash_algorithm) of every key with the lake and reads only new and changed rows, dropping keys gone from the source (needs a unique key: primary_key_columns or the source primary key). Defaults to replace.',
    ),
  primary_key_columns: z
    .array(sqlName)
    .min(1)
    .optional()
    .describe(
      "Row identity for load_strategy: upsert and data_quality.primary_key_unique. Defaults to the table's primary key in the source catalog.",
    ),
  data_quality: dataQualityConfigSchema
    .optional()
    .describe(
      'Checks on the staged table before it is published (a failure publishes nothing). Defaults to none.',
    ),
  force_reload_after_days: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Reload in full when the last full load is this many days old or older, even if the table hash is unchanged. Defaults to never.',
    ),
} as const;

/** A static (reference) table: re-read and replaced whole every run. */
export const staticTableConfigSchema = z
  .strictObject(staticTableShape)
  .superRefine(checkLakeNames)
  .superRefine((v, ctx) => {
    // A key nothing reads would be a field parsed and ignored.
    if (
      v.primary_key_columns !== undefined &&
      v.load_strategy !== 'upsert' &&
      v.data_quality?.primaryKeyUnique !== true
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary_key_columns'],
        message:
          'is only used by load_strategy: upsert and data_quality.primary_key_unique: true; set one or remove the field',
      });
    }
  })
  .transform((v) => ({
    kind: 'static' as const,
    ...commonTableOutput(v),
    hashAlgorithm: v.hash_algorithm,
    loadStrategy: v.load_strategy,
    ...(v.primary_key_columns === undefined ? {} : { primaryKeyColumns: v.primary_key_columns }),
    ...(v.data_quality === undefined ? {} : { dataQuality: v.data_quality }),
    ...(v.force_reload_after_days === undefined ? {} : { forceReloadAfterDays: v.force_reload_after_days }),
  }));

/** A parsed static table (camelCase, frozen). */
export type StaticTableConfig = DeepReadonly<z.output<typeof staticTableConfigSchema>>;
/** A static table as written in a config file (snake_case). */
export type StaticTableConfigInput = z.input<typeof staticTableConfigSchema>;
