import type { DuckDBValue } from '@duckdb/node-api';
import { type SqlType, timeByteLength } from '../types/sql-type.js';
import { lengthPrefixed, type ValueEncoder, writeUIntLE } from './value-encoder.js';

const microsPerDay = 86_400_000_000;
const microsPerDayBig = 86_400_000_000n;
/** Days from 0001-01-01 to 1970-01-01. */
const epochDays = 719162;
/** Days from 1900-01-01 to 1970-01-01. */
const epoch1900Days = 25567;
const safeMicros = 2 ** 53;

interface HasMicros {
  readonly micros: bigint;
}
interface HasDays {
  readonly days: number;
}

/** Microseconds since 1970 of any DuckDB timestamp/date value. */
function toMicros(v: DuckDBValue): bigint {
  const o = v as unknown as Record<string, unknown>;
  if (typeof o.micros === 'bigint') {
    return o.micros;
  }
  if (typeof o.nanos === 'bigint') {
    const n = o.nanos;
    return n >= 0n ? n / 1000n : -((-n + 999n) / 1000n);
  }
  if (typeof o.millis === 'bigint') {
    return o.millis * 1000n;
  }
  if (typeof o.seconds === 'bigint') {
    return o.seconds * 1_000_000n;
  }
  if (typeof o.days === 'number') {
    return BigInt(o.days) * microsPerDayBig;
  }
  throw new Error(`not a temporal value: ${String(v)}`);
}

/** Splits microseconds since 1970 into days since 1970 and microseconds of the day. */
function splitMicros(micros: bigint): [number, number] {
  const m = Number(micros);
  if (m > -safeMicros && m < safeMicros) {
    const days = Math.floor(m / microsPerDay);
    return [days, m - days * microsPerDay];
  }
  let days = micros / microsPerDayBig;
  let rest = micros - days * microsPerDayBig;
  if (rest < 0n) {
    days -= 1n;
    rest += microsPerDayBig;
  }
  return [Number(days), Number(rest)];
}

/** Ticks of the time part at `scale`, rounded as SQL Server rounds, and the day carry. */
function timeTicks(microsOfDay: number, scale: number): [number, number] {
  // 100 ns ticks at scale 7 are micros * 10; lower scales divide.
  if (scale >= 6) {
    return [microsOfDay * 10 ** (scale - 6), 0];
  }
  const div = 10 ** (6 - scale);
  const ticks = Math.round(microsOfDay / div);
  const perDay = 86_400 * 10 ** scale;
  return ticks >= perDay ? [ticks - perDay, 1] : [ticks, 0];
}

/**
 * The encoder of a date, time, datetime2, datetimeoffset, datetime or smalldatetime column, or undefined for other types. A scale-7 value gets its hidden 100 ns digit added; a datetimeoffset is sent as UTC plus its offset.
 *
 * @example
 * temporalEncoder(sqlType('date'))
 */
export function temporalEncoder(type: SqlType): [ValueEncoder, number] | undefined {
  switch (type.name) {
    case 'date':
      return lengthPrefixed(3, (v, w) => {
        const days = typeof (v as unknown as HasDays).days === 'number' ? (v as unknown as HasDays).days : 0;
        writeUIntLE(w, days + epochDays, 3);
      });
    case 'time': {
      const scale = type.scale;
      const len = timeByteLength(scale);
      return lengthPrefixed(len, (v, w, digit) => {
        const micros = Number((v as unknown as HasMicros).micros);
        const [ticks] = timeTicks(micros, scale);
        writeUIntLE(w, scale === 7 ? ticks + digit : ticks, len);
      });
    }
    case 'datetime2':
    case 'datetimeoffset': {
      const scale = type.scale;
      const timeLen = timeByteLength(scale);
      const offset = type.name === 'datetimeoffset';
      return lengthPrefixed(timeLen + 3 + (offset ? 2 : 0), (v, w, digit, minutes) => {
        // DATETIMEOFFSETN: the time and date are UTC, followed by the offset in minutes.
        const [days, micros] = splitMicros(toMicros(v));
        const [ticks, carry] = timeTicks(micros, scale);
        writeUIntLE(w, scale === 7 ? ticks + digit : ticks, timeLen);
        writeUIntLE(w, days + carry + epochDays, 3);
        if (offset) {
          w.pos = w.buf.writeInt16LE(minutes, w.pos);
        }
      });
    }
    case 'datetime':
    case 'smalldatetime': {
      const small = type.name === 'smalldatetime';
      return lengthPrefixed(small ? 4 : 8, (v, w) => {
        let [days, micros] = splitMicros(toMicros(v));
        if (small) {
          let minutes = Math.round(micros / 60_000_000);
          if (minutes >= 1440) {
            minutes -= 1440;
            days += 1;
          }
          w.pos = w.buf.writeUInt16LE(days + epoch1900Days, w.pos);
          w.pos = w.buf.writeUInt16LE(minutes, w.pos);
        } else {
          let ticks = Math.round((micros * 3) / 10_000);
          if (ticks >= 25_920_000) {
            ticks -= 25_920_000;
            days += 1;
          }
          w.pos = w.buf.writeInt32LE(days + epoch1900Days, w.pos);
          w.pos = w.buf.writeUInt32LE(ticks, w.pos);
        }
      });
    }
    default:
      return undefined;
  }
}
