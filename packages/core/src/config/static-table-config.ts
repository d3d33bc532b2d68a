import { z } from 'zod';
import { dataQualityConfigSchema } from './data-quality-config.js';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { onlyAccepted, refusedAlways } from './not-supported-yet.js';
import { checkLakeNames, commonTableOutput, commonTableShape } from './table-fields.js';

export const staticTableShape = {
  ...commonTableShape,
  hash_algorithm: onlyAccepted(
    z.enum(['checksum', 'hashbytes_md5', 'hashbytes_sha256']).default('hashbytes_sha256'),
    'hashbytes_sha256',
    'hash-based change detection is not built; a static table is re-read in full every run. Remove the field',
  ).describe(
    'Server-side hash used to detect change. Not supported yet: only hashbytes_sha256 is accepted, and it changes nothing (warned at load). Defaults to hashbytes_sha256.',
  ),
  load_strategy: onlyAccepted(
    z.enum(['replace', 'upsert']).default('replace'),
    'replace',
    'use load_strategy: replace (the table is re-read and replaced in full every run)',
  ).describe(
    'replace rewrites the whole table every run; upsert (send only changed rows) is not supported yet and is refused. Defaults to replace.',
  ),
  primary_key_columns: z
    .array(sqlName)
    .min(1)
    .optional()
    .describe(
      "Row identity for data_quality.primary_key_unique. Defaults to the table's primary key in the source catalog.",
    ),
  data_quality: dataQualityConfigSchema
    .optional()
    .describe(
      'Checks on the staged table before it is published (a failure publishes nothing). Defaults to none.',
    ),
  force_reload_after_days: refusedAlways(
    z.number().int().positive().optional(),
    'a static table is re-read in full every run already. Remove the field',
  ).describe(
    'Reload in full when the last full load is older than this many days, even if unchanged. Not supported yet: refused when set.',
  ),
} as const;

/** A static (reference) table: re-read and replaced whole every run. */
export const staticTableConfigSchema = z
  .strictObject(staticTableShape)
  .superRefine(checkLakeNames)
  .superRefine((v, ctx) => {
    // A key nothing reads would be a field parsed and ignored.
    if (v.primary_key_columns !== undefined && v.data_quality?.primaryKeyUnique !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary_key_columns'],
        message: 'is only used by data_quality.primary_key_unique: true; set that or remove the field',
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
