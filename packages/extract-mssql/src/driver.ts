import { createRequire } from 'node:module';
import type mssqlModule from 'mssql';
import type * as tediousModule from 'tedious';
import { deferAzureIdentity } from './defer-azure-identity.js';

// The drivers are loaded here, and only here, with require: a static `import … from 'mssql'` would
// load mssql (CommonJS) before any ES module of this package runs, so before the deferral below.
deferAzureIdentity();
const require = createRequire(import.meta.url);

/** The mssql package (connection pools, typed parameters). */
export const mssql: typeof mssqlModule = require('mssql');

/** The tedious package (the TDS driver under mssql: requests read row by row, parameter types). */
export const tedious: typeof tediousModule = require('tedious');
