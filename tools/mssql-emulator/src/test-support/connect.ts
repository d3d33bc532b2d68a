import sql from 'mssql';
import type { Emulator } from '../emulator.js';

/** Opens an `mssql` pool on the emulator exactly as an application would (no TLS). */
export async function connectPool(
  emulator: Emulator,
  password = emulator.password,
): Promise<sql.ConnectionPool> {
  const pool = new sql.ConnectionPool({
    server: emulator.host,
    port: emulator.port,
    user: emulator.user,
    password,
    database: emulator.database,
    options: { encrypt: false, trustServerCertificate: true },
    pool: { max: 4 },
  });
  await pool.connect();
  return pool;
}
