import { z } from 'zod';
import { AUTHENTICATION_MODES, authenticationProblems, tlsProblems } from './database-login.js';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';

export const databaseShape = {
  server: sqlName.describe('SQL Server host name or IP address. Env: SQLSYNC_SERVER.'),
  database: sqlName.describe('Database name. Env: SQLSYNC_DATABASE.'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(1433)
    .describe('TCP port. Defaults to 1433. Env: SQLSYNC_PORT.'),
  authentication: z
    .enum(AUTHENTICATION_MODES)
    .default('sql')
    .describe(
      'How sqlsync logs in: sql (a SQL login: username + password), ntlm (a Windows domain account: username + password + domain), entra-service-principal (tenant_id + client_id + client_secret), entra-managed-identity (optional client_id of a user-assigned identity), entra-default (the Azure credential chain: environment, workload identity, managed identity, Azure CLI…; optional client_id), entra-access-token (access_token or access_token_file). Defaults to sql. Env: SQLSYNC_AUTHENTICATION.',
    ),
  username: z
    .string()
    .min(1)
    .optional()
    .describe('Login name (sql, ntlm); required there. Env: SQLSYNC_USERNAME.'),
  password: z
    .string()
    .optional()
    .describe(
      'Password (sql, ntlm); prefer the SQLSYNC_PASSWORD environment variable or password_file to writing it here.',
    ),
  password_file: z
    .string()
    .min(1)
    .optional()
    .describe('A file holding the password (sql, ntlm), read at each connection; instead of password.'),
  domain: z.string().min(1).optional().describe('Windows domain of the account (ntlm); required there.'),
  integrated_security: z
    .boolean()
    .default(false)
    .describe(
      "The original tool's Windows authentication: true means authentication: ntlm (with username, password and domain: tedious cannot use the current Windows logon). Defaults to false.",
    ),
  tenant_id: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Entra ID tenant (directory) id (entra-service-principal); required there. Env: SQLSYNC_TENANT_ID.',
    ),
  client_id: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Application (client) id: required for entra-service-principal; for entra-managed-identity and entra-default, the client id of a user-assigned managed identity (optional). Env: SQLSYNC_CLIENT_ID.',
    ),
  client_secret: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Client secret (entra-service-principal); prefer SQLSYNC_CLIENT_SECRET or client_secret_file to writing it here.',
    ),
  client_secret_file: z
    .string()
    .min(1)
    .optional()
    .describe('A file holding the client secret, read at each connection; instead of client_secret.'),
  access_token: z
    .string()
    .min(1)
    .optional()
    .describe(
      'An Entra ID access token for https://database.windows.net/ (entra-access-token); prefer SQLSYNC_ACCESS_TOKEN or access_token_file.',
    ),
  access_token_file: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A file holding the access token, read at each connection (so a token refreshed in the file is picked up); instead of access_token.',
    ),
  encrypt: z
    .boolean()
    .default(true)
    .describe(
      'Encrypt the connection (TLS); a server that cannot encrypt is refused. Defaults to true. Env: SQLSYNC_ENCRYPT.',
    ),
  trust_server_certificate: z
    .boolean()
    .default(false)
    .describe(
      "Accept the server certificate without verifying it (insecure). Defaults to false (the original tool's default was true). Env: SQLSYNC_TRUST_SERVER_CERTIFICATE.",
    ),
  ca_file: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM file of the CA(s) that issued the server certificate, trusted in place of Node's bundled CAs (for a private CA or a self-signed certificate). Env: SQLSYNC_CA_FILE.",
    ),
  host_name_in_certificate: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The name the server certificate must carry when it differs from server (an IP address, an alias, a load balancer). Defaults to server.',
    ),
  connection_timeout: z
    .number()
    .int()
    .positive()
    .default(30)
    .describe('Seconds to wait for a connection. Defaults to 30.'),
  command_timeout: z
    .number()
    .int()
    .positive()
    .default(300)
    .describe(
      'Seconds a single query may wait for its first result, and, once rows stream, the longest silence from SQL Server (no bytes while sqlsync is reading) before the read is cancelled and fails with a retryable SOURCE_QUERY error naming the table (retried per processing.retry_attempts). A long scan that keeps sending rows is never cut. Defaults to 300.',
    ),
  application_name: z
    .string()
    .min(1)
    .default('sqlsync')
    .describe(
      'Reported to SQL Server as the application name (sys.dm_exec_sessions.program_name). Defaults to sqlsync.',
    ),
  packet_size: z
    .number()
    .int()
    .min(512)
    .max(32767)
    .default(32767)
    .describe(
      'TDS packet size in bytes that sqlsync asks SQL Server for (512..32767). Defaults to 32767: rows straddle fewer packets, ~8% faster than 8192 in the benchmark.',
    ),
  driver: z
    .string()
    .optional()
    .describe(
      'Accepted for compatibility with the original tool (an ODBC driver name); ignored, with a warning at load.',
    ),
} as const;

/** How to reach and log in to SQL Server. */
export const databaseConfigSchema = z
  .strictObject(databaseShape)
  .superRefine((v, ctx) => {
    const mode = v.integrated_security ? 'ntlm' : v.authentication;
    if (v.integrated_security && v.authentication !== 'sql' && v.authentication !== 'ntlm') {
      ctx.addIssue({
        code: 'custom',
        path: ['integrated_security'],
        message: `means authentication: ntlm, but authentication is ${v.authentication}; remove one`,
      });
    }
    for (const problem of authenticationProblems(mode, v)) {
      ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
    }
    for (const problem of tlsProblems(v)) {
      ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
    }
  })
  .transform((v) => ({
    server: v.server,
    database: v.database,
    port: v.port,
    authentication: v.integrated_security ? ('ntlm' as const) : v.authentication,
    ...optional('username', v.username),
    ...optional('password', v.password),
    ...optional('passwordFile', v.password_file),
    ...optional('domain', v.domain),
    ...optional('tenantId', v.tenant_id),
    ...optional('clientId', v.client_id),
    ...optional('clientSecret', v.client_secret),
    ...optional('clientSecretFile', v.client_secret_file),
    ...optional('accessToken', v.access_token),
    ...optional('accessTokenFile', v.access_token_file),
    encrypt: v.encrypt,
    trustServerCertificate: v.trust_server_certificate,
    ...optional('caFile', v.ca_file),
    ...optional('hostNameInCertificate', v.host_name_in_certificate),
    connectionTimeout: v.connection_timeout,
    commandTimeout: v.command_timeout,
    applicationName: v.application_name,
    packetSize: v.packet_size,
  }));

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Parsed connection settings (camelCase, frozen). Timeouts are in seconds. */
export type DatabaseConfig = DeepReadonly<z.output<typeof databaseConfigSchema>>;
/** Connection settings as written in a config file (snake_case). */
export type DatabaseConfigInput = z.input<typeof databaseConfigSchema>;
