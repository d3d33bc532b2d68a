import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { checkLakeNames, commonTableOutput, commonTableShape } from './table-fields.js';

export const staticTableShape = {
  ...commonTableShape,
  hash_algorithm: z
    .enum(['checksum', 'hashbytes_md5', 'hashbytes_sha256'])
    .default('hashbytes_sha256')
    .describe('Server-side hash used to detect change. Defaults to hashbytes_sha256.'),
  load_strategy: z
    .enum(['replace', 'upsert'])
    .default('replace')
    .describe(
      'replace rewrites the table when its hash moved; upsert sends only changed rows. Defaults to replace.',
    ),
  primary_key_columns: z
    .array(sqlName)
    .min(1)
    .optional()
    .describe('Row identity for upsert; required when upsert.'),
  force_reload_after_days: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Reload in full when the last full load is older than this many days, even if unchanged.'),
} as const;

/** A static (reference) table: copied whole when its server-side hash changes. */
export const staticTableConfigSchema = z
  .strictObject(staticTableShape)
  .superRefine((v, ctx) => {
    checkLakeNames(v, ctx);
    if (v.load_strategy === 'upsert' && v.primary_key_columns === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary_key_columns'],
        message: 'required when load_strategy is upsert',
      });
    }
  })
  .transform((v) => ({
    kind: 'static' as const,
    ...commonTableOutput(v),
    hashAlgorithm: v.hash_algorithm,
    loadStrategy: v.load_strategy,
    ...(v.primary_key_columns === undefined ? {} : { primaryKeyColumns: v.primary_key_columns }),
    ...(v.force_reload_after_days === undefined ? {} : { forceReloadAfterDays: v.force_reload_after_days }),
  }));

/** A parsed static table (camelCase, frozen). */
export type StaticTableConfig = DeepReadonly<z.output<typeof staticTableConfigSchema>>;
/** A static table as written in a config file (snake_case). */
export type StaticTableConfigInput = z.input<typeof staticTableConfigSchema>;
