import type { ConfigProblem } from './config-error.js';

type EnvKind = 'string' | 'port' | 'boolean';

/** Environment variables that override (or fill in) the config file, and the file key each sets. */
export const CONFIG_ENV_VARS = {
  SQLSYNC_SERVER: ['database', 'server', 'string'],
  SQLSYNC_DATABASE: ['database', 'database', 'string'],
  SQLSYNC_USERNAME: ['database', 'username', 'string'],
  SQLSYNC_PASSWORD: ['database', 'password', 'string'],
  SQLSYNC_AUTHENTICATION: ['database', 'authentication', 'string'],
  SQLSYNC_TENANT_ID: ['database', 'tenant_id', 'string'],
  SQLSYNC_CLIENT_ID: ['database', 'client_id', 'string'],
  SQLSYNC_CLIENT_SECRET: ['database', 'client_secret', 'string'],
  SQLSYNC_ACCESS_TOKEN: ['database', 'access_token', 'string'],
  SQLSYNC_PORT: ['database', 'port', 'port'],
  SQLSYNC_ENCRYPT: ['database', 'encrypt', 'boolean'],
  SQLSYNC_TRUST_SERVER_CERTIFICATE: ['database', 'trust_server_certificate', 'boolean'],
  SQLSYNC_CA_FILE: ['database', 'ca_file', 'string'],
  SQLSYNC_LAKE_DIR: ['state', 'parquet_directory', 'string'],
  SQLSYNC_STATE_DIR: ['state', 'state_directory', 'string'],
} as const satisfies Record<string, readonly [string, string, EnvKind]>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * Returns a copy of a raw config document with the `SQLSYNC_*` variables applied; the environment
 * wins over the file. An empty variable counts as unset (compose files often pass `VAR=`).
 * Values that cannot be converted are reported under the variable's name.
 */
export function applyEnvOverrides(
  document: unknown,
  env: NodeJS.ProcessEnv,
): { document: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { document, problems };
  }
  const out: Record<string, unknown> = { ...document };
  for (const [name, [section, key, kind]] of Object.entries(CONFIG_ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      continue;
    }
    let value: string | number | boolean = raw;
    if (kind === 'port') {
      value = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 65535) {
        problems.push({
          path: '',
          message: `${name}: expected a port number 1-65535, got ${JSON.stringify(raw)}`,
        });
        continue;
      }
    } else if (kind === 'boolean') {
      const word = raw.trim().toLowerCase();
      if (!TRUE.has(word) && !FALSE.has(word)) {
        problems.push({ path: '', message: `${name}: expected true or false, got ${JSON.stringify(raw)}` });
        continue;
      }
      value = TRUE.has(word);
    }
    const current = out[section];
    // A section that is not a mapping is left for the schema to report against the file.
    if (current === undefined || current === null) {
      out[section] = { [key]: value };
    } else if (typeof current === 'object' && !Array.isArray(current)) {
      out[section] = { ...current, [key]: value };
    }
  }
  return { document: out, problems };
}
