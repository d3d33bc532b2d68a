import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { onlyAccepted } from './not-supported-yet.js';

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
  username: z.string().min(1).optional().describe('SQL login; required. Env: SQLSYNC_USERNAME.'),
  password: z
    .string()
    .optional()
    .describe(
      'Password of the SQL login; prefer the SQLSYNC_PASSWORD environment variable to writing it here.',
    ),
  integrated_security: onlyAccepted(
    z.boolean().default(false),
    false,
    'Windows integrated authentication is not available through the tedious driver; set username and password (for example via SQLSYNC_USERNAME / SQLSYNC_PASSWORD)',
  ).describe(
    'Windows/NTLM authentication instead of a SQL login. Not supported yet: only false is accepted. Defaults to false.',
  ),
  encrypt: z
    .boolean()
    .default(true)
    .describe('Encrypt the connection (TLS). Defaults to true. Env: SQLSYNC_ENCRYPT.'),
  trust_server_certificate: z
    .boolean()
    .default(true)
    .describe(
      'Accept the server certificate without validating it. Defaults to true (as the original tool).',
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
    .describe('Seconds a single query may run. Defaults to 300.'),
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
    if (!v.integrated_security) {
      for (const key of ['username', 'password'] as const) {
        if (v[key] === undefined) {
          const env = key === 'username' ? 'SQLSYNC_USERNAME' : 'SQLSYNC_PASSWORD';
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `required: sqlsync logs in with a SQL login (set it here or in ${env})`,
          });
        }
      }
    }
  })
  .transform((v) => ({
    server: v.server,
    database: v.database,
    port: v.port,
    ...(v.username === undefined ? {} : { username: v.username }),
    ...(v.password === undefined ? {} : { password: v.password }),
    integratedSecurity: v.integrated_security,
    encrypt: v.encrypt,
    trustServerCertificate: v.trust_server_certificate,
    connectionTimeout: v.connection_timeout,
    commandTimeout: v.command_timeout,
    applicationName: v.application_name,
    packetSize: v.packet_size,
  }));

/** Parsed connection settings (camelCase, frozen). Timeouts are in seconds. */
export type DatabaseConfig = DeepReadonly<z.output<typeof databaseConfigSchema>>;
/** Connection settings as written in a config file (snake_case). */
export type DatabaseConfigInput = z.input<typeof databaseConfigSchema>;
