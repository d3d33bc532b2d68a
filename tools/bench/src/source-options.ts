import type { MssqlConnectionOptions } from '@sync/extract-mssql';
import type { EmulatorEndpoint } from './measurement.js';

/** sqlsync's connection options for the emulator (plain TDS: the emulator has no TLS). */
export function sourceOptions(endpoint: EmulatorEndpoint): MssqlConnectionOptions {
  return {
    server: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    username: endpoint.user,
    password: endpoint.password,
    encrypt: false,
    trustServerCertificate: true,
  };
}
