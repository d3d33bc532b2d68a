import { metaSchema } from '../../catalog-views.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

/**
 * HAS_PERMS_BY_NAME(securable, class, permission). The emulator has no permissions: every login
 * holds every permission on what exists. So an OBJECT securable answers 1 when OBJECT_ID finds it
 * and NULL when it does not (SQL Server answers NULL for a securable it cannot find); any other
 * class answers 1. The class and permission arguments are evaluated for their errors only.
 */
function hasPermsByName(call: FunctionCall): TranslatedCall | undefined {
  const securable = call.arg(0);
  const securableClass = call.arg(1);
  call.arg(2);
  return call.done(
    `CAST(CASE WHEN upper(${securableClass}) <> 'OBJECT' THEN 1 WHEN ${metaSchema}.object_id(${securable}) IS NULL THEN NULL ELSE 1 END AS INTEGER)`,
  );
}

/**
 * Permission functions, answered as for a login that may do anything.
 *
 * @example
 * permissionFunctions.HAS_PERMS_BY_NAME?.(call) // HAS_PERMS_BY_NAME(N'[dbo].[T]', N'OBJECT', N'SELECT') -> 1
 */
export const permissionFunctions: Readonly<Record<string, FunctionTranslator>> = {
  HAS_PERMS_BY_NAME: hasPermsByName,
};
