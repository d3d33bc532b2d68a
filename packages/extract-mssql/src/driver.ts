import tediousModule from 'tedious';

/**
 * The tedious package, the TDS driver every statement goes through; loaded here and only here, so
 * one module says which driver the package uses. A default import: tedious is CommonJS.
 *
 * Loading tedious loads `@azure/identity` with it (its `connection.js` requires it at the top for
 * Azure AD logins, which sqlsync does not offer), about 10 MB of RSS and 3.5 MB of heap per isolate;
 * no public API of tedious defers that.
 */
export const tedious: typeof tediousModule = tediousModule;
