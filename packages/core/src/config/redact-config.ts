import { deepFreeze } from './deep-freeze.js';
import type { PipelineConfig } from './pipeline-config.js';

/**
 * The secrets of the `database` section: each becomes `***` in {@link redactConfig}. (The
 * `*_file` fields are paths, not secrets, and stay readable.)
 */
const SECRET_KEYS = ['password', 'clientSecret', 'accessToken'] as const;

/**
 * A copy of the config safe to log or print: every secret there is (password, client secret,
 * access token) becomes `***`.
 *
 * @example
 * logger.info({ config: redactConfig(config) }, 'starting');
 */
export function redactConfig(config: PipelineConfig): PipelineConfig {
  const present = SECRET_KEYS.filter((key) => config.database[key] !== undefined);
  if (present.length === 0) {
    return config;
  }
  const database: Record<string, unknown> = { ...config.database };
  for (const key of present) {
    database[key] = '***';
  }
  return deepFreeze({ ...config, database: database as PipelineConfig['database'] });
}
