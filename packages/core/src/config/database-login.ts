/**
 * How sqlsync logs in to SQL Server (`database.authentication`).
 *
 * @example
 * AUTHENTICATION_MODES.includes('entra-access-token'); // true
 */
export const AUTHENTICATION_MODES = [
  'sql',
  'ntlm',
  'entra-service-principal',
  'entra-managed-identity',
  'entra-default',
  'entra-access-token',
] as const;

/** One of {@link AUTHENTICATION_MODES}. */
export type AuthenticationMode = (typeof AUTHENTICATION_MODES)[number];

/** The login fields of the `database` section as written in a file. */
interface LoginFields {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly password_file?: string | undefined;
  readonly domain?: string | undefined;
  readonly tenant_id?: string | undefined;
  readonly client_id?: string | undefined;
  readonly client_secret?: string | undefined;
  readonly client_secret_file?: string | undefined;
  readonly access_token?: string | undefined;
  readonly access_token_file?: string | undefined;
}

type LoginKey = keyof LoginFields;

/** Where a field can also come from, for the messages. */
const ENV: Partial<Record<LoginKey, string>> = {
  username: 'SQLSYNC_USERNAME',
  password: 'SQLSYNC_PASSWORD',
  tenant_id: 'SQLSYNC_TENANT_ID',
  client_id: 'SQLSYNC_CLIENT_ID',
  client_secret: 'SQLSYNC_CLIENT_SECRET',
  access_token: 'SQLSYNC_ACCESS_TOKEN',
};

/** Per mode: fields it needs (a pair means one of the two), and fields it may have. */
const MODES: Record<
  AuthenticationMode,
  { required: (LoginKey | [LoginKey, LoginKey])[]; optional: LoginKey[] }
> = {
  sql: { required: ['username', ['password', 'password_file']], optional: [] },
  ntlm: { required: ['username', ['password', 'password_file'], 'domain'], optional: [] },
  'entra-service-principal': {
    required: ['tenant_id', 'client_id', ['client_secret', 'client_secret_file']],
    optional: [],
  },
  'entra-managed-identity': { required: [], optional: ['client_id'] },
  'entra-default': { required: [], optional: ['client_id'] },
  'entra-access-token': { required: [['access_token', 'access_token_file']], optional: [] },
};

const LOGIN_KEYS: readonly LoginKey[] = [
  'username',
  'password',
  'password_file',
  'domain',
  'tenant_id',
  'client_id',
  'client_secret',
  'client_secret_file',
  'access_token',
  'access_token_file',
];

function named(key: LoginKey): string {
  const env = ENV[key];
  return env === undefined ? key : `${key} (or ${env})`;
}

/**
 * The login fields missing, doubled or out of place for an authentication mode: a field the mode
 * does not use is refused rather than silently ignored.
 *
 * @example
 * authenticationProblems('entra-access-token', { password: 'x' });
 * // [{ key: 'access_token', … required … }, { key: 'password', message: 'not used by authentication entra-access-token …' }]
 */
export function authenticationProblems(
  mode: AuthenticationMode,
  fields: LoginFields,
): { key: LoginKey; message: string }[] {
  const problems: { key: LoginKey; message: string }[] = [];
  const used = new Set<LoginKey>(MODES[mode].optional);
  for (const need of MODES[mode].required) {
    const [a, b] = typeof need === 'string' ? [need, undefined] : need;
    used.add(a);
    if (b !== undefined) {
      used.add(b);
    }
    if (fields[a] === undefined && (b === undefined || fields[b] === undefined)) {
      const what = b === undefined ? named(a) : `${named(a)} or ${b}`;
      problems.push({ key: a, message: `required for authentication ${mode}: set ${what}` });
    } else if (b !== undefined && fields[a] !== undefined && fields[b] !== undefined) {
      problems.push({ key: b, message: `give ${a} or ${b}, not both` });
    }
  }
  for (const key of LOGIN_KEYS) {
    if (fields[key] !== undefined && !used.has(key)) {
      const env = ENV[key];
      problems.push({
        key,
        message: `not used by authentication ${mode}; remove it${env === undefined ? '' : ` (and unset ${env})`}`,
      });
    }
  }
  return problems;
}

/**
 * TLS fields that would change nothing: `ca_file` / `host_name_in_certificate` without
 * encryption, or with `trust_server_certificate: true` (which skips verification).
 *
 * @example
 * tlsProblems({ encrypt: true, trust_server_certificate: true, ca_file: 'ca.pem' });
 * // [{ key: 'ca_file', message: 'not used with trust_server_certificate: true …' }]
 */
export function tlsProblems(fields: {
  readonly encrypt: boolean;
  readonly trust_server_certificate: boolean;
  readonly ca_file?: string | undefined;
  readonly host_name_in_certificate?: string | undefined;
}): { key: 'ca_file' | 'host_name_in_certificate'; message: string }[] {
  const problems: { key: 'ca_file' | 'host_name_in_certificate'; message: string }[] = [];
  for (const key of ['ca_file', 'host_name_in_certificate'] as const) {
    if (fields[key] === undefined) {
      continue;
    }
    if (!fields.encrypt) {
      problems.push({ key, message: 'not used with encrypt: false (nothing is verified); remove it' });
    } else if (fields.trust_server_certificate) {
      problems.push({
        key,
        message: 'not used with trust_server_certificate: true (the certificate is not verified); remove one',
      });
    }
  }
  return problems;
}
