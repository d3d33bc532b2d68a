export { CAPTURE_ENV } from './capture-env.js';
export type { CapturedStatement } from './client-connection.js';
export type { AcceptedLogin } from './connection-registry.js';
export {
  type Emulator,
  type EmulatorOptions,
  splitGoBatches,
  startEmulator,
} from './emulator.js';
export { FaultInjector } from './faults.js';
export { SqlServerError, type SqlServerErrorOptions } from './sql-server-error.js';
export { createTestCertificates, type TestCertificates } from './test-certificates.js';
export { checkTsql, tsqlCaptureGlobalSetup } from './tsql-grammar-check.js';
