import { deepFreeze } from './deep-freeze.js';
import type { PipelineConfig } from './pipeline-config.js';

/**
 * The secrets of the `database` section (and of `destination.connection`): each becomes `***` in {@link redactConfig}. (The
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
  const redact = <T extends PipelineConfig['database']>(section: T): T => {
    const copy: Record<string, unknown> = { ...section };
    for (const key of SECRET_KEYS.filter((k) => section[k] !== undefined)) {
      copy[key] = '***';
    }
    return copy as T;
  };
  const destination = config.destination;
  return deepFreeze({
    ...config,
    database: redact(config.database),
    // The warehouse login's secrets too (`destination.connection`).
    ...(destination.type === 'mssql'
      ? { destination: { ...destination, connection: redact(destination.connection) } }
      : {}),
  });
}
