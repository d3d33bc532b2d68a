import { type SourceColumn, SqlSyncError } from '@sync/core';
import { TYPES } from 'tedious';
import type { BulkColumn } from './warehouse-connection.js';

/**
 * One column of a warehouse table: its SQL Server declaration, and how a lake value is read for
 * it (`read`: a DuckDB expression of primitive type) and sent (`bulk`).
 */
export interface WarehouseColumn {
  readonly name: string;
  /** SQL Server type name in lower case, e.g. `decimal`. */
  readonly typeName: string;
  /** The declaration, e.g. `decimal(19,4)`, `nvarchar(50)`, `datetime2(7)`. */
  readonly declaration: string;
  readonly nullable: boolean;
  readonly precision: number;
  readonly scale: number;
}

/** `[name]` with `]` doubled, as SQL Server quotes identifiers. */
export function quoteName(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

/**
 * The SQL Server declaration of a source column, exactly as the source declares it.
 *
 * @example
 * declarationOf({ sqlType: 'nvarchar', maxLength: 100, precision: 0, scale: 0, … }) // 'nvarchar(50)'
 */
export function declarationOf(
  column: Pick<SourceColumn, 'sqlType' | 'maxLength' | 'precision' | 'scale'>,
): string {
  const t = column.sqlType.toLowerCase();
  const len = (bytes: number): string => (column.maxLength === -1 ? 'max' : String(bytes));
  switch (t) {
    case 'decimal':
    case 'numeric':
      return `${t}(${column.precision},${column.scale})`;
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary':
      return `${t}(${len(column.maxLength)})`;
    case 'nchar':
    case 'nvarchar':
      return `${t}(${len(column.maxLength / 2)})`;
    case 'datetime2':
    case 'time':
    case 'datetimeoffset':
      return `${t}(${column.scale})`;
    case 'float':
      return column.precision === 24 ? 'real' : 'float';
    default:
      return t;
  }
}

/** The warehouse type of a lake column that has no source column (an SCD2 column), by its DuckDB type. */
function fromDuckDB(name: string, duckType: string): WarehouseColumn {
  const plain = (typeName: string, declaration = typeName): WarehouseColumn => ({
    name,
    typeName,
    declaration,
    nullable: true,
    precision: 0,
    scale: typeName === 'datetime2' ? 6 : 0,
  });
  switch (duckType) {
    case 'BOOLEAN':
      return plain('bit');
    case 'INTEGER':
      return plain('int');
    case 'BIGINT':
      return plain('bigint');
    case 'SMALLINT':
      return plain('smallint');
    case 'DOUBLE':
      return plain('float');
    case 'DATE':
      return plain('date');
    case 'TIMESTAMP':
      return plain('datetime2', 'datetime2(6)');
    case 'VARCHAR':
      return plain('nvarchar', 'nvarchar(max)');
    default:
      throw new SqlSyncError(
        'DESTINATION_SCHEMA',
        `warehouse: lake column ${name} has DuckDB type ${duckType}, which has no SQL Server column type here`,
        { context: { column: name } },
      );
  }
}

/**
 * The warehouse columns of a lake table: its columns in lake order, each typed as its source
 * column when there is one (exact SQL Server type and nullability), else by its lake type.
 *
 * @example
 * warehouseColumns([{ name: 'Id', type: 'INTEGER' }], source.columns)
 */
export function warehouseColumns(
  lake: readonly { readonly name: string; readonly type: string }[],
  source: readonly SourceColumn[],
): WarehouseColumn[] {
  return lake.map((l) => {
    const s = source.find((c) => c.name.toLowerCase() === l.name.toLowerCase());
    if (s === undefined) {
      return fromDuckDB(l.name, l.type);
    }
    return {
      name: s.name,
      typeName: s.sqlType.toLowerCase(),
      declaration: declarationOf(s),
      nullable: s.nullable,
      precision: s.precision,
      scale: s.scale,
    };
  });
}

/**
 * The DuckDB expression a lake column is read with for the warehouse, of a primitive type the
 * bulk load can send without loss: timestamps as epoch microseconds, dates, times, decimals and
 * UUIDs as text, binary as hex.
 *
 * @example
 * lakeReadExpression('"At"', 'TIMESTAMP') // 'epoch_us("At")'
 */
export function lakeReadExpression(quoted: string, duckType: string): string {
  if (duckType.startsWith('TIMESTAMP')) {
    return `epoch_us(${quoted})`;
  }
  if (duckType === 'DATE' || duckType === 'TIME' || duckType === 'UUID' || duckType.startsWith('DECIMAL')) {
    return `CAST(${quoted} AS VARCHAR)`;
  }
  if (duckType === 'BLOB') {
    return `hex(${quoted})`;
  }
  return quoted;
}

/** A Date carrying tedious' sub-millisecond part (`nanosecondDelta`, in seconds). */
type PreciseDate = Date & { nanosecondDelta?: number };

function fromMicros(micros: bigint): PreciseDate {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = Number(micros - ms * 1000n);
  const d: PreciseDate = new Date(Number(ms));
  if (rest !== 0) {
    d.nanosecondDelta = rest / 1_000_000;
  }
  return d;
}

const TWO_53 = 2 ** 53;

/**
 * Turns a value read with {@link lakeReadExpression} into what tedious sends for the column.
 * Decimals travel as JS numbers (tedious' only form): a value whose unscaled integer exceeds
 * 2^53 would lose digits and is refused, naming the column.
 *
 * @example
 * bulkValue(column, '12.3400', 'DECIMAL(19,4)') // 12.34
 */
export function bulkValue(column: WarehouseColumn, value: unknown, duckType: string): unknown {
  if (value === null || value === undefined) {
    return null;
  }
  if (duckType.startsWith('TIMESTAMP')) {
    return fromMicros(value as bigint);
  }
  if (duckType === 'DATE') {
    const [y, m, d] = String(value).split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(2000, (m ?? 1) - 1, d ?? 1));
    date.setUTCFullYear(y);
    return date;
  }
  if (duckType === 'TIME') {
    const [h, mi, s] = String(value).split(':') as [string, string, string];
    const [whole, frac = ''] = s.split('.');
    const micros =
      BigInt(((Number(h) * 60 + Number(mi)) * 60 + Number(whole)) * 1_000_000) +
      BigInt(frac.padEnd(6, '0').slice(0, 6) || '0');
    return fromMicros(micros);
  }
  if (duckType.startsWith('DECIMAL')) {
    const text = String(value);
    if (column.typeName === 'varchar') {
      return text; // a wide decimal's exact text (see textTransfer)
    }
    const unscaled = BigInt(text.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1'));
    if (unscaled > BigInt(TWO_53) || -unscaled > BigInt(TWO_53)) {
      throw new SqlSyncError(
        'PRECISION_LOSS',
        `warehouse: ${column.name} value ${text} has more digits than the bulk load sends exactly (2^53 unscaled); not loaded`,
        { context: { column: column.name } },
      );
    }
    return Number(text);
  }
  if (duckType === 'BLOB') {
    return Buffer.from(String(value), 'hex');
  }
  return value;
}

/** The most digits a decimal can have and still travel exactly as a JS number (2^53 > 10^15). */
const EXACT_NUMBER_DIGITS = 15;

/**
 * How a column travels in the bulk load: as itself, or — a decimal of more than 15 digits, which
 * tedious would round through a JS number — as its exact text in a `varchar(60)` column of a load
 * table, converted by the server (`CAST(… AS decimal(p,s))`) into the staging table.
 *
 * @example
 * textTransfer({ typeName: 'decimal', precision: 38, … }) // { …, typeName: 'varchar', declaration: 'varchar(60)' }
 */
export function textTransfer(column: WarehouseColumn): WarehouseColumn | undefined {
  if (
    (column.typeName === 'decimal' || column.typeName === 'numeric') &&
    column.precision > EXACT_NUMBER_DIGITS
  ) {
    return { ...column, typeName: 'varchar', declaration: 'varchar(60)' };
  }
  return undefined;
}

/**
 * The tedious type a warehouse column is bulk-loaded as.
 *
 * @example
 * bulkColumn({ name: 'Amount', typeName: 'decimal', precision: 19, scale: 4, … }).type // TYPES.Decimal
 */
export function bulkColumn(column: WarehouseColumn): BulkColumn {
  const base = { name: column.name, nullable: column.nullable };
  const length = (): number => {
    const m = /\((\d+|max)\)/.exec(column.declaration);
    return m === null || m[1] === 'max' ? 2 ** 31 - 1 : Number(m[1]);
  };
  switch (column.typeName) {
    case 'bit':
      return { ...base, type: TYPES.Bit, options: {} };
    case 'tinyint':
      return { ...base, type: TYPES.TinyInt, options: {} };
    case 'smallint':
      return { ...base, type: TYPES.SmallInt, options: {} };
    case 'int':
      return { ...base, type: TYPES.Int, options: {} };
    case 'bigint':
      return { ...base, type: TYPES.BigInt, options: {} };
    case 'decimal':
    case 'numeric':
      return { ...base, type: TYPES.Decimal, options: { precision: column.precision, scale: column.scale } };
    case 'money':
      return { ...base, type: TYPES.Money, options: {} };
    case 'smallmoney':
      return { ...base, type: TYPES.SmallMoney, options: {} };
    case 'float':
      return { ...base, type: TYPES.Float, options: {} };
    case 'real':
      return { ...base, type: TYPES.Real, options: {} };
    case 'date':
      return { ...base, type: TYPES.Date, options: {} };
    case 'time':
      return { ...base, type: TYPES.Time, options: { scale: column.scale } };
    case 'datetime':
      return { ...base, type: TYPES.DateTime, options: {} };
    case 'smalldatetime':
      return { ...base, type: TYPES.SmallDateTime, options: {} };
    case 'datetime2':
      return { ...base, type: TYPES.DateTime2, options: { scale: column.scale } };
    case 'datetimeoffset':
      return { ...base, type: TYPES.DateTimeOffset, options: { scale: column.scale } };
    case 'char':
      return { ...base, type: TYPES.Char, options: { length: length() } };
    case 'varchar':
      return { ...base, type: TYPES.VarChar, options: { length: length() } };
    case 'nchar':
      return { ...base, type: TYPES.NChar, options: { length: length() } };
    case 'nvarchar':
      return { ...base, type: TYPES.NVarChar, options: { length: length() } };
    case 'binary':
      return { ...base, type: TYPES.Binary, options: { length: length() } };
    case 'varbinary':
      return { ...base, type: TYPES.VarBinary, options: { length: length() } };
    case 'uniqueidentifier':
      return { ...base, type: TYPES.UniqueIdentifier, options: {} };
    default:
      throw new SqlSyncError(
        'DESTINATION_SCHEMA',
        `warehouse: column ${column.name} of type ${column.declaration} cannot be bulk-loaded by sqlsync`,
        { context: { column: column.name } },
      );
  }
}
