import { SqlServerError } from '../sql-server-error.js';

/** The SQL Server system types the emulator knows. */
export type SqlTypeName =
  | 'bit'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'decimal'
  | 'numeric'
  | 'money'
  | 'smallmoney'
  | 'float'
  | 'real'
  | 'date'
  | 'time'
  | 'datetime'
  | 'smalldatetime'
  | 'datetime2'
  | 'datetimeoffset'
  | 'char'
  | 'varchar'
  | 'nchar'
  | 'nvarchar'
  | 'text'
  | 'ntext'
  | 'xml'
  | 'binary'
  | 'varbinary'
  | 'image'
  | 'uniqueidentifier'
  | 'timestamp'
  | 'sql_variant';

/**
 * A SQL Server column type as `sys.columns` describes it: `maxLength` in bytes (-1 for `max`),
 * `precision` and `scale` as SQL Server reports them (`scale` is the fractional-second digits
 * of the time types).
 */
export interface SqlType {
  readonly name: SqlTypeName;
  readonly maxLength: number;
  readonly precision: number;
  readonly scale: number;
}

/** One row of `sys.types`. */
export interface SystemTypeRow {
  readonly name: string;
  readonly systemTypeId: number;
  readonly userTypeId: number;
  readonly maxLength: number;
  readonly precision: number;
  readonly scale: number;
}

/** `sys.types` for the system types, with SQL Server's ids. */
export const systemTypes: readonly SystemTypeRow[] = [
  { name: 'image', systemTypeId: 34, userTypeId: 34, maxLength: 16, precision: 0, scale: 0 },
  { name: 'text', systemTypeId: 35, userTypeId: 35, maxLength: 16, precision: 0, scale: 0 },
  { name: 'uniqueidentifier', systemTypeId: 36, userTypeId: 36, maxLength: 16, precision: 0, scale: 0 },
  { name: 'date', systemTypeId: 40, userTypeId: 40, maxLength: 3, precision: 10, scale: 0 },
  { name: 'time', systemTypeId: 41, userTypeId: 41, maxLength: 5, precision: 16, scale: 7 },
  { name: 'datetime2', systemTypeId: 42, userTypeId: 42, maxLength: 8, precision: 27, scale: 7 },
  { name: 'datetimeoffset', systemTypeId: 43, userTypeId: 43, maxLength: 10, precision: 34, scale: 7 },
  { name: 'tinyint', systemTypeId: 48, userTypeId: 48, maxLength: 1, precision: 3, scale: 0 },
  { name: 'smallint', systemTypeId: 52, userTypeId: 52, maxLength: 2, precision: 5, scale: 0 },
  { name: 'int', systemTypeId: 56, userTypeId: 56, maxLength: 4, precision: 10, scale: 0 },
  { name: 'smalldatetime', systemTypeId: 58, userTypeId: 58, maxLength: 4, precision: 16, scale: 0 },
  { name: 'real', systemTypeId: 59, userTypeId: 59, maxLength: 4, precision: 24, scale: 0 },
  { name: 'money', systemTypeId: 60, userTypeId: 60, maxLength: 8, precision: 19, scale: 4 },
  { name: 'datetime', systemTypeId: 61, userTypeId: 61, maxLength: 8, precision: 23, scale: 3 },
  { name: 'float', systemTypeId: 62, userTypeId: 62, maxLength: 8, precision: 53, scale: 0 },
  { name: 'ntext', systemTypeId: 99, userTypeId: 99, maxLength: 16, precision: 0, scale: 0 },
  { name: 'bit', systemTypeId: 104, userTypeId: 104, maxLength: 1, precision: 1, scale: 0 },
  { name: 'decimal', systemTypeId: 106, userTypeId: 106, maxLength: 17, precision: 38, scale: 38 },
  { name: 'numeric', systemTypeId: 108, userTypeId: 108, maxLength: 17, precision: 38, scale: 38 },
  { name: 'smallmoney', systemTypeId: 122, userTypeId: 122, maxLength: 4, precision: 10, scale: 4 },
  { name: 'bigint', systemTypeId: 127, userTypeId: 127, maxLength: 8, precision: 19, scale: 0 },
  { name: 'varbinary', systemTypeId: 165, userTypeId: 165, maxLength: 8000, precision: 0, scale: 0 },
  { name: 'varchar', systemTypeId: 167, userTypeId: 167, maxLength: 8000, precision: 0, scale: 0 },
  { name: 'binary', systemTypeId: 173, userTypeId: 173, maxLength: 8000, precision: 0, scale: 0 },
  { name: 'char', systemTypeId: 175, userTypeId: 175, maxLength: 8000, precision: 0, scale: 0 },
  { name: 'timestamp', systemTypeId: 189, userTypeId: 189, maxLength: 8, precision: 0, scale: 0 },
  { name: 'nvarchar', systemTypeId: 231, userTypeId: 231, maxLength: 8000, precision: 0, scale: 0 },
  { name: 'sql_variant', systemTypeId: 98, userTypeId: 98, maxLength: 8016, precision: 0, scale: 0 },
  { name: 'nchar', systemTypeId: 239, userTypeId: 239, maxLength: 8000, precision: 0, scale: 0 },
  { name: 'xml', systemTypeId: 241, userTypeId: 241, maxLength: -1, precision: 0, scale: 0 },
  { name: 'sysname', systemTypeId: 231, userTypeId: 256, maxLength: 256, precision: 0, scale: 0 },
];

const systemTypeByName = new Map(systemTypes.map((t) => [t.name, t]));

/** True when `name` (lower case) is a system type the emulator knows, `sysname` included. */
export function isSystemTypeName(name: string): boolean {
  return systemTypeByName.has(name);
}

/** The `sys.types` row of a type; `sysname` is not a {@link SqlTypeName}, so it never comes back. */
export function systemTypeOf(name: SqlTypeName): SystemTypeRow {
  const row = systemTypeByName.get(name);
  if (row === undefined) {
    throw new Error(`no system type ${name}`);
  }
  return row;
}

/** Bytes a DECIMALN value of this precision takes (sign byte included), as `sys.columns` reports. */
export function decimalByteLength(precision: number): number {
  if (precision <= 9) {
    return 5;
  }
  if (precision <= 19) {
    return 9;
  }
  if (precision <= 28) {
    return 13;
  }
  return 17;
}

/** Bytes of the time part of a TIME/DATETIME2/DATETIMEOFFSET value of this scale. */
export function timeByteLength(scale: number): number {
  if (scale <= 2) {
    return 3;
  }
  if (scale <= 4) {
    return 4;
  }
  return 5;
}

/**
 * Builds a {@link SqlType} the way SQL Server fills `sys.columns` for a declaration.
 * `length` is the declared length in characters (or bytes for binary), -1 for `max`;
 * `undefined` arguments take SQL Server's defaults for a column declaration.
 *
 * @example
 * sqlType('nvarchar', 50) // { name: 'nvarchar', maxLength: 100, precision: 0, scale: 0 }
 */
export function sqlType(name: SqlTypeName, a?: number, b?: number): SqlType {
  switch (name) {
    case 'decimal':
    case 'numeric': {
      const precision = a ?? 18;
      const scale = b ?? 0;
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw new SqlServerError(
          2750,
          `Column or parameter #1: Specified column precision ${precision} is greater than the maximum precision of 38.`,
        );
      }
      return { name, maxLength: decimalByteLength(precision), precision, scale };
    }
    case 'time': {
      const scale = a ?? 7;
      return { name, maxLength: timeByteLength(scale), precision: scale > 0 ? 9 + scale : 8, scale };
    }
    case 'datetime2': {
      const scale = a ?? 7;
      return { name, maxLength: timeByteLength(scale) + 3, precision: scale > 0 ? 20 + scale : 19, scale };
    }
    case 'datetimeoffset': {
      const scale = a ?? 7;
      return { name, maxLength: timeByteLength(scale) + 5, precision: scale > 0 ? 27 + scale : 26, scale };
    }
    case 'float': {
      // float(1..24) is real.
      if (a !== undefined && a <= 24) {
        return { ...systemTypeOf('real'), name: 'real' };
      }
      return { name, maxLength: 8, precision: 53, scale: 0 };
    }
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary': {
      const length = a ?? 1;
      return { name, maxLength: length, precision: 0, scale: 0 };
    }
    case 'nchar':
    case 'nvarchar': {
      const length = a ?? 1;
      return { name, maxLength: length < 0 ? -1 : length * 2, precision: 0, scale: 0 };
    }
    case 'text':
    case 'ntext':
    case 'image':
      return { name, maxLength: 16, precision: 0, scale: 0 };
    default: {
      const row = systemTypeOf(name);
      return { name, maxLength: row.maxLength, precision: row.precision, scale: row.scale };
    }
  }
}

/** The declaration text of a type, as `INFORMATION_SCHEMA` and messages spell it. */
export function typeDeclaration(type: SqlType): string {
  switch (type.name) {
    case 'decimal':
    case 'numeric':
      return `${type.name}(${type.precision},${type.scale})`;
    case 'time':
    case 'datetime2':
    case 'datetimeoffset':
      return `${type.name}(${type.scale})`;
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary':
      return `${type.name}(${type.maxLength < 0 ? 'max' : type.maxLength})`;
    case 'nchar':
    case 'nvarchar':
      return `${type.name}(${type.maxLength < 0 ? 'max' : type.maxLength / 2})`;
    default:
      return type.name;
  }
}

/**
 * The DuckDB type a SQL Server column is stored as.
 * datetime2 is stored as TIMESTAMP (microseconds): it keeps the whole 0001–9999 range, but the
 * seventh fractional digit of datetime2(7) is lost (TIMESTAMP_NS cannot hold years before 1678).
 */
export function duckdbStorageType(type: SqlType): string {
  switch (type.name) {
    case 'bit':
      return 'BOOLEAN';
    case 'tinyint':
      return 'UTINYINT';
    case 'smallint':
      return 'SMALLINT';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'decimal':
    case 'numeric':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'money':
      return 'DECIMAL(19,4)';
    case 'smallmoney':
      return 'DECIMAL(10,4)';
    case 'float':
      return 'DOUBLE';
    case 'real':
      return 'FLOAT';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
      return 'TIMESTAMP';
    case 'datetimeoffset':
      return 'TIMESTAMP WITH TIME ZONE';
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
    case 'text':
    case 'ntext':
    case 'xml':
    // sql_variant values are stored as `<type>|<text>` (see the row encoder).
    case 'sql_variant':
      return 'VARCHAR';
    case 'binary':
    case 'varbinary':
    case 'image':
      return 'BLOB';
    case 'uniqueidentifier':
      return 'UUID';
    case 'timestamp':
      return 'BIGINT';
  }
}

/**
 * Parses what {@link typeDeclaration} writes back into the type (`nvarchar(40)`, `decimal(10,2)`,
 * `varchar(max)`, `int`).
 *
 * @example
 * parseTypeDeclaration('nvarchar(40)') // { name: 'nvarchar', maxLength: 80, precision: 0, scale: 0 }
 */
export function parseTypeDeclaration(text: string): SqlType {
  const m = text.trim().match(/^([a-z_0-9]+)\s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?$/i);
  const name = m?.[1]?.toLowerCase();
  if (m === null || name === undefined || name === 'sysname' || !systemTypeByName.has(name)) {
    throw new Error(`not a type declaration: ${text}`);
  }
  const a = m[2] === undefined ? undefined : m[2].toLowerCase() === 'max' ? -1 : Number(m[2]);
  return sqlType(name as SqlTypeName, a, m[3] === undefined ? undefined : Number(m[3]));
}

/** True for the character types (whose values are strings). */
export function isStringType(name: SqlTypeName): boolean {
  return ['char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext', 'xml'].includes(name);
}
