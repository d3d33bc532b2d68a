export type { CapturedStatement } from './client-connection.js';
export { type Emulator, type EmulatorOptions, splitGoBatches, startEmulator } from './emulator.js';
export { FaultInjector } from './faults.js';
export { SqlServerError, type SqlServerErrorOptions } from './sql-server-error.js';
