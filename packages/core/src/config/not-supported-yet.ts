import type { z } from 'zod';
import type { ConfigProblem } from './config-error.js';

/**
 * Refuses every value of a field but `accepted` (the original tool's default, which is what
 * sqlsync does today) with "not supported yet", so a setting sqlsync would silently ignore stops
 * the load instead (exit 2) — until the issue that builds it. `instead` tells the user what to do.
 * The JSON Schema still lists the original tool's values; the field's description says which one
 * is accepted.
 *
 * @example
 * enable_structured_logging: onlyAccepted(z.boolean().default(true), true, 'logs are always JSON lines'),
 * // enable_structured_logging: false -> "enable_structured_logging: not supported yet (only true is accepted): logs are always JSON lines"
 */
export function onlyAccepted<T extends z.ZodType>(schema: T, accepted: z.output<T>, instead: string): T {
  return schema.refine((value) => value === undefined || value === accepted, {
    message: `not supported yet (only ${String(accepted)} is accepted): ${instead}`,
  });
}

/**
 * Refuses a field whatever its value, for an optional field no code reads yet.
 *
 * @example
 * force_reload_after_days: refusedAlways(z.number().int().positive().optional(), 'remove it: static tables are reloaded every run'),
 */
export function refusedAlways<T extends z.ZodType>(schema: T, instead: string): T {
  return schema.refine((value) => value === undefined, {
    message: `not supported yet: ${instead}`,
  });
}

/** A field accepted only for compatibility: it changes nothing, and saying so is a warning at load. */
interface InertField {
  /** Where it sits: a section of the file, or one of the table lists (each entry is checked). */
  readonly section: 'top' | 'database' | 'processing' | 'state' | 'partition_tables' | 'static_tables';
  readonly key: string;
  readonly message: string;
  /** Inert only without a SQL Server destination (`destination: { type: mssql }`), which reads it. */
  readonly unlessWarehouse?: boolean;
}

const SWITCHING_WITHOUT_WAREHOUSE =
  'ignored: partition switching applies only to a SQL Server destination (destination: { type: mssql }); the lake replaces each partition by switching its directory; remove it';

/**
 * Fields that are accepted but change nothing: the original tool's compatibility fields, and the
 * "not supported yet" fields written with the one value accepted (so a ported config loads). Each
 * written in a file is reported by {@link configWarnings}, which the CLI logs as a warning.
 */
const INERT_FIELDS: readonly InertField[] = [
  {
    section: 'database',
    key: 'driver',
    message: 'ignored: sqlsync speaks TDS itself (tedious), no ODBC driver is used; remove it',
  },
  {
    section: 'top',
    key: 'enable_structured_logging',
    message: 'ignored: logs are always JSON lines on stderr; remove it',
  },
  {
    section: 'processing',
    key: 'enable_sql_server_partition_switching',
    message: SWITCHING_WITHOUT_WAREHOUSE,
    unlessWarehouse: true,
  },
  {
    section: 'partition_tables',
    key: 'enable_partition_switching',
    message: SWITCHING_WITHOUT_WAREHOUSE,
    unlessWarehouse: true,
  },
];

/**
 * The compatibility warnings of a config document (its raw snake_case form, after environment
 * overrides): one per inert field written in it, with its path. Call it on a document that
 * parsed, so every value in it is an accepted one.
 *
 * @example
 * configWarnings({ database: { driver: 'ODBC Driver 18 for SQL Server' } });
 * // [{ path: 'database.driver', message: 'ignored: sqlsync speaks TDS itself …' }]
 */
export function configWarnings(document: unknown): ConfigProblem[] {
  const root = asRecord(document);
  const warnings: ConfigProblem[] = [];
  const warehouse = asRecord(root?.destination)?.type === 'mssql';
  for (const field of INERT_FIELDS) {
    if (field.unlessWarehouse === true && warehouse) {
      continue;
    }
    if (field.section === 'top') {
      if (root?.[field.key] !== undefined) {
        warnings.push({ path: field.key, message: field.message });
      }
      continue;
    }
    const section = root?.[field.section];
    if (Array.isArray(section)) {
      for (const [index, entry] of section.entries()) {
        if (asRecord(entry)?.[field.key] !== undefined) {
          warnings.push({ path: `${field.section}[${index}].${field.key}`, message: field.message });
        }
      }
    } else if (asRecord(section)?.[field.key] !== undefined) {
      warnings.push({ path: `${field.section}.${field.key}`, message: field.message });
    }
  }
  return warnings;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
