import { parseConfig } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { tediousConfig } from './connection-options.js';

// What cannot be watched on the wire against the emulator (it has no TLS): the parsed `database`
// section reaches the driver's options unchanged.
describe('the database section reaches tedious', () => {
  const database = { server: 'db', database: 'Sales', username: 'etl', password: 'pw' };

  it('trust_server_certificate: true by default (as the original tool), false when the file says so', () => {
    const byDefault = tediousConfig(parseConfig({ database }).database);
    expect(byDefault.options?.trustServerCertificate).toBe(true);
    const strict = tediousConfig(
      parseConfig({ database: { ...database, trust_server_certificate: false } }).database,
    );
    expect(strict.options?.trustServerCertificate).toBe(false);
  });

  it('encrypt, timeouts (seconds to ms), application_name and packet_size', () => {
    const options = tediousConfig(
      parseConfig({
        database: {
          ...database,
          encrypt: false,
          connection_timeout: 5,
          command_timeout: 60,
          application_name: 'nightly',
          packet_size: 4096,
        },
      }).database,
    ).options;
    expect(options).toMatchObject({
      encrypt: false,
      connectTimeout: 5000,
      requestTimeout: 60_000,
      appName: 'nightly',
      packetSize: 4096,
    });
  });
});
