import { createRequire } from 'node:module';

/**
 * sqlsync's version: `version` of this package's package.json, read at load time (from `src/` or
 * `dist/`, package.json is one directory up, and it is in every packed tarball). Written into
 * every Parquet file's metadata (`sqlsync.version`) and printed by `sqlsync --version`.
 *
 * @example
 * SQLSYNC_VERSION // '0.1.0'
 */
export const SQLSYNC_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { readonly version: string }
).version;
