import { createRequire, Module } from 'node:module';

/**
 * tedious loads `@azure/identity` when it is first required, for Azure AD authentication only;
 * sqlsync connects with SQL logins, so the library (and the Azure HTTP stack it pulls in) is
 * never used. It costs ~12 MB of RSS and ~6 MB of V8 heap in every isolate that loads tedious —
 * the pipeline's thread and each worker thread — and startup time.
 *
 * This puts a stand-in for it in the CommonJS module cache before tedious is loaded: an object
 * whose first property access loads the real `@azure/identity` (resolved from tedious, so the same
 * file and version) and forwards to it. Nothing changes for code that does use it, sqlsync's
 * caller included; the load is only deferred to first use. Where `@azure/identity` cannot be
 * resolved, or tedious has already been loaded, this does nothing. Called by `driver.ts` before it
 * loads mssql.
 */
export function deferAzureIdentity(): void {
  let file: string;
  let fromTedious: NodeJS.Require;
  try {
    const require = createRequire(import.meta.url);
    const tedious = require.resolve('tedious');
    // An ES module importing tedious registers it in the cache before it runs: only a loaded one counts.
    if (require.cache[tedious]?.loaded === true) {
      return;
    }
    fromTedious = createRequire(tedious);
    file = fromTedious.resolve('@azure/identity');
  } catch {
    return;
  }
  const cache = fromTedious.cache;
  if (cache[file]?.loaded === true) {
    return;
  }
  let real: Record<PropertyKey, unknown> | undefined;
  const load = (): Record<PropertyKey, unknown> => {
    if (real === undefined) {
      if (cache[file]?.exports === exports) {
        delete cache[file];
      }
      real = fromTedious('@azure/identity') as Record<PropertyKey, unknown>;
    }
    return real;
  };
  const exports: object = new Proxy(
    {},
    {
      get: (_target, key) => load()[key],
      has: (_target, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Object.getOwnPropertyDescriptor(load(), key);
        // A proxy may not report a property as non-configurable unless its target has it so.
        return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
      },
    },
  );
  const stub = new Module(file);
  stub.filename = file;
  stub.exports = exports;
  stub.loaded = true;
  cache[file] = stub;
}
