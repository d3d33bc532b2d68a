import type { LakeType, SourceColumn } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import { quoteIdentifier } from './tsql.js';

/**
 * How a source column travels: the lake type it is written as, the T-SQL expression that reads
 * it, and how the driver's value is decoded.
 *
 * | SQL Server                        | read as                                 | Arrow / lake              |
 * |-----------------------------------|-----------------------------------------|---------------------------|
 * | bit                               | column                                  | Bool / BOOLEAN            |
 * | tinyint, smallint, int            | column                                  | Uint8/Int16/Int32         |
 * | bigint                            | column (driver gives text)              | Int64 / BIGINT            |
 * | real, float                       | column                                  | Float32/Float64           |
 * | decimal/numeric(p ≤ 15, s)        | column (double, recovered exactly)      | Decimal128(p,s)           |
 * | decimal/numeric(p > 15, s)        | CONVERT(nvarchar(41), col)              | Decimal128(p,s)           |
 * | money                             | CONVERT(nvarchar(41), CAST(col AS decimal(19,4))) | Decimal128(19,4) |
 * | smallmoney                        | column (double, recovered exactly)      | Decimal128(10,4)          |
 * | date                              | DATEDIFF(day, '0001-01-01', col): int   | Date32 / DATE             |
 * | time(n)                           | seconds of the day, DATEPART(nanosecond): 2 ints | Time64(µs) / TIME |
 * | datetime2(n)                      | days, seconds of the day, DATEPART(nanosecond): 3 ints | Timestamp(µs) / TIMESTAMP (or ns when configured) |
 * | datetime, smalldatetime           | column                                  | Timestamp(µs) / TIMESTAMP |
 * | datetimeoffset(n)                 | column (driver gives the UTC instant)   | Timestamp(µs, UTC) / TIMESTAMPTZ |
 * |   … its offset, a companion column `<name>_offset_minutes` right after it | DATEPART(tzoffset, col): int | Int16 / SMALLINT (minutes, −840 … 840) |
 * | char, varchar, nchar, nvarchar, text, ntext, xml | column (xml as CONVERT(nvarchar(max), col)) | Utf8 / VARCHAR |
 * | binary, varbinary, image          | column                                  | Binary / BLOB             |
 * | uniqueidentifier                  | column (driver gives SQL Server's text) | Utf8 / UUID               |
 * | rowversion (timestamp)            | CONVERT(bigint, col)                    | Int64 / BIGINT            |
 * | sql_variant, geography, geometry, hierarchyid, other CLR types | `unsupported_types`: error (default), skip, or as_text (CONVERT(nvarchar(max), col)) | Utf8 |
 *
 * A datetimeoffset keeps its instant and its offset exactly, except the instant's 100 ns digit,
 * which the µs TIMESTAMPTZ drops as datetime2's µs default does (counted in the run summary's
 * `dropped_sub_microsecond_values`). Its local time is the instant plus the offset.
 */
export type ValueDecoder =
  | 'boolean'
  | 'number'
  | 'bigint-text'
  | 'decimal-number'
  | 'decimal-text'
  | 'date-days'
  | 'time-parts'
  | 'datetime2-parts'
  | 'datetime'
  | 'datetimeoffset'
  | 'string'
  | 'binary';

/**
 * Wire columns a decoder reads, consecutive in the driver's row: a datetime2 travels as three
 * ints (days, seconds, nanoseconds), a time as two.
 */
export function wireWidth(decoder: ValueDecoder): number {
  return decoder === 'datetime2-parts' ? 3 : decoder === 'time-parts' ? 2 : 1;
}

/** A column as the catalog describes it (a row of `sys.columns` joined to `sys.types`). */
export interface CatalogColumn {
  readonly name: string;
  readonly typeName: string;
  readonly maxLength: number;
  readonly precision: number;
  readonly scale: number;
  readonly nullable: boolean;
}

/** Per-column choices a user can configure. */
export interface ColumnOptions {
  /** `ns` keeps datetime2's 100 ns digit as TIMESTAMP_NS (range 1677–2262). Defaults to `us`. */
  readonly timestampPrecision?: 'us' | 'ns';
}

/** What to do with a type sqlsync cannot carry exactly. Defaults to `error`. */
export type UnsupportedTypePolicy = 'error' | 'skip' | 'as_text';

/**
 * A mapped column: catalog facts, lake type, SELECT expression and decoder.
 *
 * Temporal columns travel as integers (`DATEDIFF`/`DATEPART`), exact to 100 ns: tedious turns
 * date/time values into JS Dates, which costs more than the rest of a row and drops the 100 ns
 * digit into a float. Wide decimals travel as nvarchar text (UTF-16 decodes natively; varchar
 * goes through a code page decoder).
 */
export interface MappedColumn {
  readonly column: SourceColumn;
  /**
   * The T-SQL expression(s) in the SELECT list: one, aliased to the column's own name, or for a
   * datetime2/time several (see {@link wireWidth}), the first aliased to the column's name.
   */
  readonly selectExpression: string;
  readonly decoder: ValueDecoder;
}

/** Days from 0001-01-01 (`date` is ISO and independent of SET DATEFORMAT / LANGUAGE). */
function daysSinceYearOne(quoted: string): string {
  return `DATEDIFF(day, CAST('0001-01-01' AS date), ${quoted})`;
}

/** The fraction of the second in nanoseconds (100 ns steps), aliased `<name>$nanosecond`. */
function nanosecondPart(name: string): string {
  return `DATEPART(nanosecond, ${quoteIdentifier(name)}) AS ${quoteIdentifier(`${name}$nanosecond`)}`;
}

/** Decimals up to this precision survive the driver's double exactly (10^15 < 2^53). */
export const MAX_DOUBLE_EXACT_PRECISION = 15;

const UNSUPPORTED = new Set(['sql_variant', 'geography', 'geometry', 'hierarchyid']);

/**
 * Maps one catalog column to its lake type and read expression, or returns undefined when the
 * column is skipped by the `skip` policy.
 *
 * @example
 * mapColumn({ name: 'Amount', typeName: 'decimal', maxLength: 17, precision: 38, scale: 10, nullable: true }, 'dbo.T')
 * // { column: { lakeType: { kind: 'decimal', precision: 38, scale: 10 }, … }, selectExpression: 'CONVERT(nvarchar(41), [Amount]) AS [Amount]', decoder: 'decimal-text' }
 */
export function mapColumn(
  catalog: CatalogColumn,
  tableId: string,
  options: ColumnOptions = {},
  unsupported: UnsupportedTypePolicy = 'error',
): MappedColumn | undefined {
  const quoted = quoteIdentifier(catalog.name);
  const typeName = catalog.typeName.toLowerCase();
  const make = (lakeType: LakeType, decoder: ValueDecoder, expression = quoted): MappedColumn => ({
    column: {
      name: catalog.name,
      sqlType: typeName,
      maxLength: catalog.maxLength,
      precision: catalog.precision,
      scale: catalog.scale,
      nullable: catalog.nullable,
      lakeType,
    },
    selectExpression:
      expression === quoted || wireWidth(decoder) > 1 ? expression : `${expression} AS ${quoted}`,
    decoder,
  });
  switch (typeName) {
    case 'bit':
      return make({ kind: 'boolean' }, 'boolean');
    case 'tinyint':
      return make({ kind: 'uint8' }, 'number');
    case 'smallint':
      return make({ kind: 'int16' }, 'number');
    case 'int':
      return make({ kind: 'int32' }, 'number');
    case 'bigint':
      return make({ kind: 'int64' }, 'bigint-text');
    case 'real':
      return make({ kind: 'float32' }, 'number');
    case 'float':
      return make({ kind: 'float64' }, 'number');
    case 'decimal':
    case 'numeric': {
      const lakeType: LakeType = { kind: 'decimal', precision: catalog.precision, scale: catalog.scale };
      // tedious hands DECIMAL over as a double. Up to 15 digits the nearest double identifies the
      // value uniquely; beyond that the server converts to text, which is exact.
      return catalog.precision <= MAX_DOUBLE_EXACT_PRECISION
        ? make(lakeType, 'decimal-number')
        : make(lakeType, 'decimal-text', `CONVERT(nvarchar(41), ${quoted})`);
    }
    case 'money':
      // money has 19 digits: too many for a double. CAST to decimal(19,4) is exact, then text.
      return make(
        { kind: 'decimal', precision: 19, scale: 4 },
        'decimal-text',
        `CONVERT(nvarchar(41), CAST(${quoted} AS decimal(19,4)))`,
      );
    case 'smallmoney':
      return make({ kind: 'decimal', precision: 10, scale: 4 }, 'decimal-number');
    case 'date':
      return make({ kind: 'date' }, 'date-days', daysSinceYearOne(quoted));
    case 'time':
      return make(
        { kind: 'time' },
        'time-parts',
        `DATEDIFF(second, CAST('00:00:00' AS time), ${quoted}) AS ${quoted}, ${nanosecondPart(catalog.name)}`,
      );
    case 'datetime2':
      return make(
        options.timestampPrecision === 'ns' ? { kind: 'timestamp_ns' } : { kind: 'timestamp_us' },
        'datetime2-parts',
        `${daysSinceYearOne(quoted)} AS ${quoted}, DATEDIFF(second, CAST(${quoted} AS date), ${quoted}) AS ${quoteIdentifier(`${catalog.name}$second`)}, ${nanosecondPart(catalog.name)}`,
      );
    case 'datetime':
    case 'smalldatetime':
      return make({ kind: 'timestamp_us' }, 'datetime');
    case 'datetimeoffset':
      return make({ kind: 'timestamptz_us' }, 'datetimeoffset');
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
    case 'text':
    case 'ntext':
    case 'sysname':
      return make({ kind: 'string' }, 'string');
    case 'xml':
      return make({ kind: 'string' }, 'string', `CONVERT(nvarchar(max), ${quoted})`);
    case 'binary':
    case 'varbinary':
    case 'image':
      return make({ kind: 'binary' }, 'binary');
    case 'uniqueidentifier':
      return make({ kind: 'uuid' }, 'string');
    case 'timestamp':
    case 'rowversion':
      // rowversion is an 8-byte big-endian counter; as bigint it orders the same way and can be a watermark.
      return make({ kind: 'int64' }, 'bigint-text', `CONVERT(bigint, ${quoted})`);
    default:
      break;
  }
  if (unsupported === 'skip') {
    return undefined;
  }
  if (unsupported === 'as_text') {
    return make({ kind: 'string' }, 'string', `CONVERT(nvarchar(max), ${quoted})`);
  }
  const known = UNSUPPORTED.has(typeName) ? 'is not supported' : 'is an unknown (CLR or alias) type';
  throw new SqlSyncError(
    'TYPE_UNSUPPORTED',
    `${tableId}.${catalog.name}: SQL Server type ${typeName} ${known}; set unsupported_types: skip to leave the column out, or as_text to read it as nvarchar(max)`,
    { context: { table: tableId, column: catalog.name, configPath: 'unsupported_types' } },
  );
}
