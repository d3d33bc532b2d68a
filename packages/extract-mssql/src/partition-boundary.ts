import { SqlSyncError } from '@sync/core';

/**
 * A partition function's parameter type as the catalog describes it (`sys.partition_parameters`
 * joined with `sys.types`): every boundary value is of this type, and so is the partitioning
 * column.
 */
export interface PartitionParameterType {
  /** The system type name, e.g. `datetime2`. */
  readonly name: string;
  /** `max_length` in bytes (-1 for max). */
  readonly maxLength: number;
  readonly precision: number;
  readonly scale: number;
}

/**
 * How a boundary of each parameter type goes to text and back: the CONVERT style that makes the
 * text exact and independent of the session's language and date format (none: the type's plain
 * text is exact already).
 */
const STYLES: Readonly<Record<string, number | undefined>> = {
  date: 23,
  datetime: 126,
  smalldatetime: 126,
  datetime2: 126,
  datetimeoffset: 126,
  money: 2,
  smallmoney: 2,
  // Style 3: 17 digits, every float a distinct text (SQL Server 2016+).
  float: 3,
  real: 3,
  binary: 1,
  varbinary: 1,
};

const FIXED = new Set([
  'bit',
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'money',
  'smallmoney',
  'float',
  'real',
  'date',
  'datetime',
  'smalldatetime',
  'uniqueidentifier',
]);
const SCALED_TIME = new Set(['time', 'datetime2', 'datetimeoffset']);
const LENGTHED = new Set(['char', 'varchar', 'binary', 'varbinary']);
const WIDE = new Set(['nchar', 'nvarchar']);

/**
 * The T-SQL declaration of a partition function's parameter type, e.g. `datetime2(3)`,
 * `decimal(19,4)`, `nvarchar(20)`; built only from the catalog's type name and numbers. A type a
 * partition function cannot have (or sqlsync does not know) is `TYPE_UNSUPPORTED` naming the table.
 *
 * @example
 * parameterTypeDeclaration({ name: 'datetime2', maxLength: 8, precision: 27, scale: 3 }, 'sales.Orders') // 'datetime2(3)'
 */
export function parameterTypeDeclaration(type: PartitionParameterType, tableId: string): string {
  const name = type.name.toLowerCase();
  if (FIXED.has(name)) {
    return name;
  }
  if (SCALED_TIME.has(name) || name === 'time') {
    return `${name}(${Math.trunc(type.scale)})`;
  }
  if (name === 'decimal' || name === 'numeric') {
    return `${name}(${Math.trunc(type.precision)},${Math.trunc(type.scale)})`;
  }
  if (LENGTHED.has(name) && type.maxLength > 0) {
    return `${name}(${Math.trunc(type.maxLength)})`;
  }
  if (WIDE.has(name) && type.maxLength > 0) {
    return `${name}(${Math.trunc(type.maxLength / 2)})`;
  }
  throw new SqlSyncError(
    'TYPE_UNSUPPORTED',
    `${tableId}: the partition function's parameter type ${type.name} cannot label lake partitions`,
    { context: { table: tableId } },
  );
}

/**
 * T-SQL turning a value of the parameter type into its exact boundary text (`CONVERT(nvarchar(4000),
 * x, style)`), the form boundaries are kept in.
 *
 * @example
 * boundaryTextSql('CAST(prv.value AS date)', { name: 'date', … }) // 'CONVERT(nvarchar(4000), CAST(prv.value AS date), 23)'
 */
export function boundaryTextSql(expression: string, type: PartitionParameterType): string {
  const style = STYLES[type.name.toLowerCase()];
  return `CONVERT(nvarchar(4000), ${expression}${style === undefined ? '' : `, ${style}`})`;
}

/**
 * T-SQL turning a boundary text (a bound nvarchar parameter) back into a value of the parameter
 * type: the inverse of {@link boundaryTextSql}, so a range predicate compares the column with
 * exactly the boundary (no implicit conversion of the column: partitions are still eliminated).
 *
 * @example
 * boundaryValueSql('@partition_lo', type, 'datetime2(3)') // 'CONVERT(datetime2(3), @partition_lo, 126)'
 */
export function boundaryValueSql(
  parameter: string,
  type: PartitionParameterType,
  declaration: string,
): string {
  const style = STYLES[type.name.toLowerCase()];
  return `CONVERT(${declaration}, ${parameter}${style === undefined ? '' : `, ${style}`})`;
}

const TEMPORAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$/;

/**
 * The lake directory value of a boundary text: the text itself, except that a date/time boundary
 * at midnight is its day (`2024-01-01`) and trailing zeros of fractional seconds are dropped
 * (`2024-01-01T10:00:00.5`), so a boundary reads like the calendar labels. Distinct boundaries
 * give distinct labels.
 *
 * @example
 * boundaryLabel('2024-02-01T00:00:00.0000000', 'datetime2') // '2024-02-01'
 * boundaryLabel('10', 'int')                                // '10'
 */
export function boundaryLabel(text: string, typeName: string): string {
  const name = typeName.toLowerCase();
  if (name === 'time') {
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  }
  if (name !== 'datetime' && name !== 'smalldatetime' && name !== 'datetime2' && name !== 'datetimeoffset') {
    return text;
  }
  const m = TEMPORAL.exec(text);
  if (m === null) {
    return text;
  }
  const [, day, clock, fraction = '', rest = ''] = m;
  const digits = fraction.replace(/0+$/, '');
  if (clock === '00:00:00' && digits === '' && rest === '') {
    return day as string;
  }
  return `${day}T${clock}${digits === '' ? '' : `.${digits}`}${rest}`;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?(?:([+-])(\d{2}):(\d{2})|Z)?$/;
const CLOCK = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** Milliseconds since 1970 (UTC) of an ISO date/time text, sub-millisecond digits dropped. */
function instantMs(text: string): number | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) {
    return undefined;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', f = '', sign, oh = '0', om = '0'] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(f.padEnd(3, '0').slice(0, 3)));
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return date.getTime() - offset * 60_000;
}

/**
 * Whether a boundary as states written before boundary labels recorded it (the driver's decoding
 * of the sql_variant: `toISOString()` of a date/time at millisecond precision, a number's JS
 * text, `true`/`false` for bit, `0x…` for binary) is the boundary `text` (exact, see
 * `boundaryTextSql`). Date/times agree to the millisecond the old form kept.
 *
 * @example
 * legacyBoundaryMatches('2024-02-01T00:00:00.000Z', '2024-02-01', 'date') // true
 * legacyBoundaryMatches('10.5', '10.5000', 'decimal')                     // true
 */
export function legacyBoundaryMatches(legacy: string | null, text: string, typeName: string): boolean {
  if (legacy === null) {
    return false;
  }
  const name = typeName.toLowerCase();
  if (['date', 'datetime', 'smalldatetime', 'datetime2', 'datetimeoffset'].includes(name)) {
    const [a, b] = [instantMs(legacy), instantMs(text)];
    return a !== undefined && b !== undefined && Math.abs(a - b) <= 1;
  }
  if (name === 'time') {
    const a = instantMs(legacy);
    const m = CLOCK.exec(text);
    if (a === undefined || m === null) {
      return false;
    }
    const [, h, mi, s, f = ''] = m;
    const b = ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Number(f.padEnd(3, '0').slice(0, 3));
    return Math.abs((a % 86_400_000) - b) <= 1;
  }
  if (name === 'bit') {
    return (legacy === 'true' || legacy === '1') === (text === '1');
  }
  if (name === 'bigint') {
    return legacy.trim() === text.trim();
  }
  if (
    ['tinyint', 'smallint', 'int', 'decimal', 'numeric', 'money', 'smallmoney', 'float', 'real'].includes(
      name,
    )
  ) {
    return Number(legacy) === Number(text);
  }
  if (['binary', 'varbinary', 'uniqueidentifier'].includes(name)) {
    return legacy.toUpperCase() === text.toUpperCase();
  }
  return legacy === text;
}
