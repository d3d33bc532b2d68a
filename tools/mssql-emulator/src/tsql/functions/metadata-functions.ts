import { metaSchema } from '../../catalog-views.js';
import { quoteString } from '../../sql-quoting.js';
import type { Token } from '../lexer.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

/** OBJECT_ID. */
function objectId(call: FunctionCall): TranslatedCall | undefined {
  const args = call.args;
  return call.done(
    args.length >= 2
      ? `${metaSchema}.object_id(${call.arg(0)}, t := ${call.arg(1)})`
      : `${metaSchema}.object_id(${call.arg(0)})`,
  );
}

/** OBJECT_NAME. */
function objectName(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`(SELECT name FROM sys.objects WHERE object_id = (${call.arg(0)}))`);
}

/** SCHEMA_NAME. */
function schemaName(call: FunctionCall): TranslatedCall | undefined {
  const args = call.args;
  return call.done(
    args.length === 0 ? "'dbo'" : `(SELECT name FROM sys.schemas WHERE schema_id = (${call.arg(0)}))`,
  );
}

/** SCHEMA_ID. */
function schemaId(call: FunctionCall): TranslatedCall | undefined {
  const args = call.args;
  return call.done(
    args.length === 0 ? '1' : `(SELECT schema_id FROM sys.schemas WHERE name = (${call.arg(0)}))`,
  );
}

/** TYPE_NAME. */
function typeName(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`(SELECT name FROM sys.types WHERE user_type_id = (${call.arg(0)}))`);
}

/** TYPE_ID. */
function typeId(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`(SELECT user_type_id FROM sys.types WHERE name = (${call.arg(0)}))`);
}

/** DB_NAME. */
function dbName(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  return call.done(quoteString(ctx.env.database));
}

/** DB_ID. */
function dbId(call: FunctionCall): TranslatedCall | undefined {
  return call.done('5');
}

/** USER_NAME. */
function userName(call: FunctionCall): TranslatedCall | undefined {
  return call.done("'dbo'");
}

/** SUSER_NAME, SUSER_SNAME. */
function suserName(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  return call.done(quoteString(ctx.env.user));
}

/** MIN_ACTIVE_ROWVERSION. */
function minActiveRowversion(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  return call.done(ctx.env.minActiveRowversion());
}

/** SCOPE_IDENTITY. */
function scopeIdentity(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  return call.done(ctx.env.scopeIdentity());
}

/** SERVERPROPERTY. */
function serverproperty(call: FunctionCall): TranslatedCall | undefined {
  const t = call.ctx.tokens;
  const args = call.args;
  const r = args[0];
  const name = r === undefined ? '' : ((t[r[0]] as Token).value ?? '').toLowerCase();
  const props: Record<string, string> = {
    productversion: "'16.0.4003.1'",
    productmajorversion: "'16'",
    productlevel: "'RTM'",
    edition: "'Developer Edition (64-bit)'",
    engineedition: '3',
    machinename: "'mssql-emulator'",
    servername: "'mssql-emulator'",
    collation: "'SQL_Latin1_General_CP1_CI_AS'",
    isclustered: '0',
    ishadrenabled: '0',
  };
  return call.done(props[name] ?? 'NULL');
}

/**
 * Metadata and session functions, answered from the emulator's catalog and session.
 *
 * @example
 * metadataFunctions.OBJECT_ID?.(call)
 */
export const metadataFunctions: Readonly<Record<string, FunctionTranslator>> = {
  OBJECT_ID: objectId,
  OBJECT_NAME: objectName,
  SCHEMA_NAME: schemaName,
  SCHEMA_ID: schemaId,
  TYPE_NAME: typeName,
  TYPE_ID: typeId,
  DB_NAME: dbName,
  DB_ID: dbId,
  USER_NAME: userName,
  SUSER_NAME: suserName,
  SUSER_SNAME: suserName,
  MIN_ACTIVE_ROWVERSION: minActiveRowversion,
  SCOPE_IDENTITY: scopeIdentity,
  SERVERPROPERTY: serverproperty,
};
