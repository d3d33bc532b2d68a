import { metaSchema } from '../catalog-views.js';
import { quoteString } from '../sql-quoting.js';

const version =
  'Microsoft SQL Server 2022 (RTM-CU12) (KB5033663) - 16.0.4003.1 (X64) \n\tmssql-emulator (DuckDB backend) Developer Edition (64-bit)';

/** The last rowversion drawn by any session (the sequence's start − 1 before the first).
 *
 * @example
 * `SELECT ${lastRowversionSql} + 1` // the next rowversion */
export const lastRowversionSql = `(SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() WHERE schema_name = '${metaSchema}' AND sequence_name = 'rowversion')`;

/** The session state `@@` globals read. */
export interface GlobalsSource {
  readonly spid: number;
  readonly lastRowCount: number;
  readonly lastIdentity: bigint | undefined;
  readonly tranCount: number;
}

/** `SCOPE_IDENTITY()` / `@@IDENTITY` as DuckDB SQL: the last identity this session inserted.
 *
 * @example
 * identitySql(5n) // 'CAST(5 AS DECIMAL(38,0))' */
export function identitySql(lastIdentity: bigint | undefined): string {
  return lastIdentity === undefined
    ? 'CAST(NULL AS DECIMAL(38,0))'
    : `CAST(${lastIdentity} AS DECIMAL(38,0))`;
}

const constants: Readonly<Record<string, string>> = {
  VERSION: quoteString(version),
  SERVERNAME: "'mssql-emulator'",
  SERVICENAME: "'MSSQLSERVER'",
  LANGUAGE: "'us_english'",
  MAX_PRECISION: 'CAST(38 AS UTINYINT)',
  DATEFIRST: 'CAST(7 AS UTINYINT)',
  ERROR: 'CAST(0 AS INTEGER)',
  FETCH_STATUS: 'CAST(0 AS INTEGER)',
  TEXTSIZE: 'CAST(2147483647 AS INTEGER)',
  LOCK_TIMEOUT: 'CAST(-1 AS INTEGER)',
  OPTIONS: 'CAST(5496 AS INTEGER)',
  MICROSOFTVERSION: 'CAST(268439459 AS INTEGER)',
  // The last rowversion drawn anywhere (currval is per DuckDB session; this is not).
  DBTS: `unhex(lpad(to_hex(${lastRowversionSql}), 16, '0'))`,
};

/**
 * The DuckDB SQL of global `@@name` (upper case, without `@@`), or undefined when the emulator
 * does not know it.
 *
 * @example
 * globalValue('TRANCOUNT', session) // 'CAST(1 AS INTEGER)' inside one BEGIN TRAN
 */
export function globalValue(name: string, s: GlobalsSource): string | undefined {
  switch (name) {
    case 'SPID':
      return `CAST(${s.spid} AS SMALLINT)`;
    case 'ROWCOUNT':
      return `CAST(${s.lastRowCount} AS INTEGER)`;
    case 'IDENTITY':
      return identitySql(s.lastIdentity);
    case 'TRANCOUNT':
      return `CAST(${s.tranCount} AS INTEGER)`;
    default:
      return Object.hasOwn(constants, name) ? constants[name] : undefined;
  }
}

/**
 * `MIN_ACTIVE_ROWVERSION()` as DuckDB SQL: the lowest rowversion an open transaction may have
 * used, else `@@DBTS + 1`. A transaction's floor is the sequence's next value when it began: it
 * can only be lower than SQL Server's value (which counts rowversions the transaction actually
 * wrote), never higher, so a watermark taken from it never skips an in-flight row.
 *
 * @example
 * minActiveRowversionSql(host.rowversionFloors.values())
 */
export function minActiveRowversionSql(floors: Iterable<bigint>): string {
  const casts = [...floors].map((f) => `CAST(${f} AS BIGINT)`);
  return `unhex(lpad(to_hex(LEAST(${[`${lastRowversionSql} + 1`, ...casts].join(', ')})), 16, '0'))`;
}
