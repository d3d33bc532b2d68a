import { deepFreeze } from './deep-freeze.js';
import type { PipelineConfig } from './pipeline-config.js';

/**
 * A copy of the config safe to log or print: the password, when there is one, becomes `***`.
 *
 * @example
 * logger.info({ config: redactConfig(config) }, 'starting');
 */
export function redactConfig(config: PipelineConfig): PipelineConfig {
  if (config.database.password === undefined) {
    return config;
  }
  return deepFreeze({ ...config, database: { ...config.database, password: '***' } });
}
