import { quoteString } from '../sql-quoting.js';
import type { SqlType } from '../types/sql-type.js';
import { duckdbStorageType } from '../types/sql-type.js';
import { localClockSql, offsetTextSql } from './datetimeoffset.js';
import { binaryToIntegerSql, isBinaryType } from './functions/binary-conversions.js';

const temporal = new Set(['date', 'time', 'datetime', 'smalldatetime', 'datetime2', 'datetimeoffset']);

/** Styles whose datetimeoffset text ends in the offset (` +hh:mm`; `+hh:mm` for 126). */
const offsetStyles = new Set([0, 20, 120, 21, 121, 25, 126]);

/**
 * A datetime value's text in CONVERT style `style` (SQL Server's formats). A datetimeoffset shows
 * its local clock time at `offset` (minutes, as SQL) followed by the offset, except in style 127,
 * which is the UTC time with `Z`.
 */
function formatTemporal(
  x: string,
  src: SqlType | undefined,
  style: number | undefined,
  digit?: string,
  offset?: string,
): string {
  if (src?.name === 'datetimeoffset') {
    const clock = { ...src, name: 'datetime2' as const };
    if (style === 127) {
      return `(${formatTemporal(localClockSql(x, undefined), clock, style, digit)} || 'Z')`;
    }
    const local = formatTemporal(localClockSql(x, offset), clock, style, digit);
    if (!offsetStyles.has(style ?? 0)) {
      return local;
    }
    return `(${local} || '${style === 126 ? '' : ' '}' || ${offsetTextSql(`coalesce(${offset ?? '0'}, 0)`)})`;
  }
  const name = src?.name ?? 'datetime2';
  const scale = name === 'datetime' ? 3 : name === 'smalldatetime' || name === 'date' ? 0 : (src?.scale ?? 7);
  // Fractional seconds at `scale` digits: DuckDB keeps microseconds, so the 7th digit is '0'.
  const seventh = digit === undefined ? "'0'" : `CAST(coalesce(${digit}, 0) AS VARCHAR)`;
  const fracOf = (v: string): string =>
    scale === 0 ? "''" : `'.' || substr(strftime(${v}, '%f') || ${seventh}, 1, ${scale})`;
  const frac = fracOf(x);
  if (name === 'date') {
    switch (style) {
      case 112:
        return `strftime(${x}, '%Y%m%d')`;
      case 101:
        return `strftime(${x}, '%m/%d/%Y')`;
      case 103:
        return `strftime(${x}, '%d/%m/%Y')`;
      default:
        return `strftime(${x}, '%Y-%m-%d')`;
    }
  }
  if (name === 'time') {
    // strftime formats timestamps: the time on some day (DuckDB has DATE + TIME, not TIMESTAMP + TIME).
    const at = `(DATE '2000-01-01' + ${x})`;
    return `(strftime(${at}, '%H:%M:%S') || ${fracOf(at)})`;
  }
  switch (style) {
    case 120:
    case 20:
      return `strftime(${x}, '%Y-%m-%d %H:%M:%S')`;
    case 23:
      return `strftime(${x}, '%Y-%m-%d')`;
    case 112:
      return `strftime(${x}, '%Y%m%d')`;
    case 108:
    case 8:
      return `strftime(${x}, '%H:%M:%S')`;
    case 101:
      return `strftime(${x}, '%m/%d/%Y')`;
    case 103:
      return `strftime(${x}, '%d/%m/%Y')`;
    case 126:
    case 127:
      return `(strftime(${x}, '%Y-%m-%dT%H:%M:%S') || ${frac})`;
    default:
      if (name === 'smalldatetime') {
        // Styles 21/121/25 show milliseconds, always .000 for a smalldatetime.
        const ms = style === 21 || style === 121 || style === 25 ? '.000' : '';
        return `strftime(${x}, '%Y-%m-%d %H:%M:%S${ms}')`;
      }
      return `(strftime(${x}, '%Y-%m-%d %H:%M:%S') || ${frac})`;
  }
}

/**
 * `text`, the style text of `x` read as a datetime2, unless `x` turns out to be a datetimeoffset
 * (a TIMESTAMPTZ whose SQL Server type and offset the translation could not see: a derived
 * table's column, DATEADD, CASE…): its text would be the UTC time without the offset it was
 * written with, so the statement fails instead, naming what to write.
 */
function unknownOffsetRefused(x: string, text: string): string {
  const message =
    'CONVERT of a datetimeoffset to text is not supported by the emulator where its offset is not evident ' +
    '(only for a column, literal, parameter or variable, CAST/CONVERT, SWITCHOFFSET, TODATETIMEOFFSET, MAX/MIN of a column): ' +
    'the emulator keeps the offset in a hidden column that this expression does not carry.';
  return `(CASE WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN error(${quoteString(message)}) ELSE ${text} END)`;
}

/**
 * CAST/CONVERT as SQL Server does it, for the cases where DuckDB's CAST differs: strings of
 * dates/times/bits/GUIDs, numeric to integer truncation, lengths of the target string type.
 */
export function castTo(
  x: string,
  src: SqlType | undefined,
  target: SqlType,
  style: number | undefined,
  tryCast: boolean,
  digit?: string,
  offset?: string,
): string {
  const cast = tryCast ? 'TRY_CAST' : 'CAST';
  const n = target.name;
  if (n === 'char' || n === 'varchar' || n === 'nchar' || n === 'nvarchar' || n === 'text' || n === 'ntext') {
    let s: string;
    if (src !== undefined && temporal.has(src.name)) {
      s = formatTemporal(x, src, style, digit, offset);
    } else if (src === undefined && style !== undefined && style !== 0 && style !== 1 && style !== 2) {
      s = unknownOffsetRefused(x, formatTemporal(x, src, style, digit, offset));
    } else if (src?.name === 'bit') {
      s = `(CASE WHEN ${x} THEN '1' WHEN NOT ${x} THEN '0' END)`;
    } else if (src?.name === 'uniqueidentifier') {
      s = `upper(CAST(${x} AS VARCHAR))`;
    } else if (src?.name === 'money' || src?.name === 'smallmoney') {
      s = style === 2 ? `CAST(${x} AS VARCHAR)` : `CAST(CAST(${x} AS DECIMAL(19,2)) AS VARCHAR)`;
    } else if (src?.name === 'timestamp' && (style === 1 || style === 2)) {
      // rowversion is kept as a BIGINT counter: eight big-endian bytes on the wire.
      const hex = `lpad(upper(hex(${x})), 16, '0')`;
      s = style === 1 ? `('0x' || ${hex})` : hex;
    } else if (
      (src === undefined || src.name === 'binary' || src.name === 'varbinary' || src.name === 'image') &&
      (style === 1 || style === 2)
    ) {
      s = style === 1 ? `('0x' || upper(hex(${x})))` : `upper(hex(${x}))`;
    } else {
      s = `${cast}(${x} AS VARCHAR)`;
    }
    const chars =
      target.maxLength < 0 ? -1 : n === 'nchar' || n === 'nvarchar' ? target.maxLength / 2 : target.maxLength;
    if (n === 'char' || n === 'nchar') {
      return `rpad(${s}, ${chars}, ' ')`;
    }
    if (chars > 0 && n !== 'text' && n !== 'ntext') {
      return `left(${s}, ${chars})`;
    }
    return s;
  }
  if (n === 'tinyint' || n === 'smallint' || n === 'int' || n === 'bigint') {
    if (isBinaryType(src)) {
      return binaryToIntegerSql(x, target, cast);
    }
    const duck = duckdbStorageType(target);
    // SQL Server truncates toward zero converting exact/approximate numerics to integers; DuckDB rounds.
    if (
      src !== undefined &&
      ['decimal', 'numeric', 'money', 'smallmoney', 'float', 'real'].includes(src.name)
    ) {
      return `${cast}(trunc(${x}) AS ${duck})`;
    }
    return `${cast}(${x} AS ${duck})`;
  }
  if (
    (n === 'binary' || n === 'varbinary') &&
    src !== undefined &&
    ['char', 'varchar', 'nchar', 'nvarchar'].includes(src.name) &&
    (style === 1 || style === 2)
  ) {
    return style === 1 ? `unhex(substr(${x}, 3))` : `unhex(${x})`;
  }
  if ((n === 'binary' || n === 'varbinary') && src?.name === 'uniqueidentifier') {
    // SQL Server stores a GUID's first three groups little-endian (6F9619FF-8B86-D011-… is
    // bytes FF19966F 868B 11D0 …); DuckDB's UUID is big-endian throughout.
    const h = `replace(CAST(${x} AS VARCHAR), '-', '')`;
    return `unhex(${guidSwap(h)})`;
  }
  if (n === 'uniqueidentifier' && (src?.name === 'binary' || src?.name === 'varbinary')) {
    const h = `hex(${x})`;
    return `${cast}(${guidSwap(h)} AS UUID)`;
  }
  if (
    n === 'date' &&
    src !== undefined &&
    (src.name === 'datetime2' || src.name === 'datetime' || src.name === 'smalldatetime')
  ) {
    return `${cast}(${x} AS DATE)`;
  }
  if (n === 'smalldatetime' && src?.name !== 'smalldatetime' && src?.name !== 'date') {
    // SQL Server rounds a smalldatetime to the minute: 29.998 s and up round up, 29.997 s and below down.
    const clock = src?.name === 'datetimeoffset' ? localClockSql(x, offset) : x;
    return `date_trunc('minute', ${cast}(${clock} AS TIMESTAMP) + INTERVAL 30002 MILLISECOND)`;
  }
  if (src?.name === 'datetimeoffset' && temporal.has(n) && n !== 'datetimeoffset') {
    // SQL Server copies the local date and time and drops the offset.
    return `${cast}(${localClockSql(x, offset)} AS ${duckdbStorageType(target)})`;
  }
  if (
    n === 'datetimeoffset' &&
    src !== undefined &&
    ['datetime2', 'datetime', 'smalldatetime', 'date'].includes(src.name)
  ) {
    // A clock time without an offset becomes that time at +00:00 (not in DuckDB's session zone).
    return `${cast}(timezone('UTC', CAST(${x} AS TIMESTAMP)) AS TIMESTAMPTZ)`;
  }
  return `${cast}(${x} AS ${duckdbStorageType(target)})`;
}

/** The 32 hex digits of a GUID with its first three groups' byte order reversed (an involution). */
function guidSwap(hex32: string): string {
  const at = [7, 5, 3, 1, 11, 9, 15, 13];
  return `(${at.map((a) => `substr(${hex32}, ${a}, 2)`).join(' || ')} || substr(${hex32}, 17))`;
}
