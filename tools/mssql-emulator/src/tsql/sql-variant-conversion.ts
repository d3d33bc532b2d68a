import { quoteString } from '../sql-quoting.js';
import { type SqlType, type SqlTypeName, sqlType, typeDeclaration } from '../types/sql-type.js';
import { castTo } from './convert.js';

/**
 * One base type a stored sql_variant value (`<type>|<text>`, see `tds/sql-variant.ts`) can have:
 * the DuckDB condition on its declaration, the value typed as DuckDB holds that base type, and
 * the SQL Server type `castTo` converts from.
 */
interface VariantBase {
  readonly name: SqlTypeName;
  /** SQL over the declaration (`decl`) that selects this base. */
  readonly when: (decl: string) => string;
  /** The stored text (`text`) typed as the emulator stores this base type. */
  readonly value: (text: string) => string;
  readonly type: SqlType;
  /** A datetime2(7)'s 7th digit (the emulator keeps it beside the microseconds). */
  readonly digit?: (text: string) => string;
}

const exact = (decl: string) => (d: string) => `${d} = ${quoteString(decl)}`;

function fixedBase(name: SqlTypeName, duck: string): VariantBase {
  return { name, when: exact(name), value: (t) => `CAST(${t} AS ${duck})`, type: sqlType(name) };
}

/** The stored text of a base type is already what SQL Server's style-0 text of it is. */
const textBase = (name: SqlTypeName): VariantBase => ({
  name,
  when: (d) => `regexp_full_match(${d}, ${quoteString(`${name}(\\(\\d+\\))?`)})`,
  value: (t) => t,
  type: sqlType(name === 'char' || name === 'nchar' ? (name === 'char' ? 'varchar' : 'nvarchar') : name),
});

const seventhDigit = (t: string): string =>
  `TRY_CAST(NULLIF(substr(regexp_extract(${t}, '\\.(\\d+)$', 1), 7, 1), '') AS INTEGER)`;

/**
 * The 7th fractional digit of a stored sql_variant's text (0 when it has none), for a CAST of the
 * variant to datetime2(7) whose 100 ns digit the emulator keeps beside the value.
 *
 * @example
 * variantDigitSql('"value"') // "coalesce(TRY_CAST(… AS INTEGER), 0)"
 */
export function variantDigitSql(x: string): string {
  return `coalesce(${seventhDigit(`substr(${x}, strpos(${x}, '|') + 1)`)}, 0)`;
}

const scaled = (name: 'datetime2' | 'time', scale: number): VariantBase => ({
  name,
  when: exact(`${name}(${scale})`),
  value: (t) => `CAST(${t} AS ${name === 'time' ? 'TIME' : 'TIMESTAMP'})`,
  type: sqlType(name, scale),
  ...(name === 'datetime2' && scale === 7 ? { digit: seventhDigit } : {}),
});

const integers: readonly VariantBase[] = [
  fixedBase('tinyint', 'UTINYINT'),
  fixedBase('smallint', 'SMALLINT'),
  fixedBase('int', 'INTEGER'),
  fixedBase('bigint', 'BIGINT'),
  { ...fixedBase('bit', 'BOOLEAN'), value: (t) => `(${t} IN ('1', 'true'))` },
];
/** decimal/numeric at any precision: DECIMAL(38, 10) holds what a conversion to a number needs. */
const decimals: readonly VariantBase[] = (['decimal', 'numeric'] as const).map((name) => ({
  name,
  when: (d: string) => `starts_with(${d}, ${quoteString(`${name}(`)})`,
  value: (t: string) => `CAST(${t} AS DECIMAL(38, 10))`,
  type: sqlType('decimal', 38, 10),
}));
const moneys: readonly VariantBase[] = [
  fixedBase('money', 'DECIMAL(19, 4)'),
  fixedBase('smallmoney', 'DECIMAL(10, 4)'),
];
const floats: readonly VariantBase[] = [fixedBase('float', 'DOUBLE'), fixedBase('real', 'FLOAT')];
const dates: readonly VariantBase[] = [
  fixedBase('date', 'DATE'),
  fixedBase('datetime', 'TIMESTAMP'),
  fixedBase('smalldatetime', 'TIMESTAMP'),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((s) => scaled('datetime2', s)),
];
const times: readonly VariantBase[] = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => scaled('time', s));
const strings: readonly VariantBase[] = (['char', 'varchar', 'nchar', 'nvarchar'] as const).map(textBase);
const guid: readonly VariantBase[] = [fixedBase('uniqueidentifier', 'UUID')];

const numeric = [...integers, ...decimals, ...moneys, ...floats];

/**
 * The base types whose conversion to `target` the emulator does as SQL Server does. A string
 * target from a decimal, date/time or string base takes the stored text (SQL Server's style-0
 * text of the base value, at the base's own scale) unless a style is given.
 */
function basesFor(target: SqlType, style: number | undefined): readonly VariantBase[] {
  switch (target.name) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'bit':
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney':
    case 'float':
    case 'real':
      return numeric;
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar': {
      const temporal =
        style === undefined || style === 0 ? [...dates, ...times].map(asText) : [...dates, ...times];
      return [...integers, ...decimals.map(asText), ...moneys, ...temporal, ...strings, ...guid];
    }
    case 'date':
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
      return dates;
    case 'time':
      return times;
    case 'uniqueidentifier':
      return guid;
    default:
      return [];
  }
}

function asText(base: VariantBase): VariantBase {
  return { ...base, value: (t) => t, type: sqlType('nvarchar', 4000) };
}

/**
 * CAST/CONVERT of a sql_variant (the emulator stores it as `<type>|<text>`, e.g. a
 * `sys.partition_range_values.value`) to `target`: the base type is read per row and converted
 * as SQL Server converts that base type (styles included). A base type whose conversion to the
 * target the emulator cannot do as SQL Server does (datetimeoffset, binary, float to text, …)
 * fails the statement naming the conversion, never answers differently; NULL stays NULL.
 *
 * @example
 * variantCastSql('"value"', sqlType('date'), undefined, false)
 * // (CASE WHEN "value" IS NULL THEN NULL WHEN … = 'date' THEN CAST(CAST(… AS DATE) AS DATE) … ELSE error('…') END)
 */
export function variantCastSql(
  x: string,
  target: SqlType,
  style: number | undefined,
  tryCast: boolean,
): string {
  if (target.name === 'sql_variant') {
    return x;
  }
  const decl = `split_part(${x}, '|', 1)`;
  const text = `substr(${x}, strpos(${x}, '|') + 1)`;
  const branches = basesFor(target, style).map(
    (b) =>
      `WHEN ${b.when(decl)} THEN ${castTo(b.value(text), b.type, target, style, tryCast, b.digit?.(text))}`,
  );
  const message = `CAST/CONVERT of a sql_variant to ${typeDeclaration(target)}${style === undefined ? '' : ` (style ${style})`} is not supported by the emulator for this value's base type: `;
  return `(CASE WHEN ${x} IS NULL THEN NULL ${branches.join(' ')} ELSE error(${quoteString(message)} || ${decl}) END)`;
}
