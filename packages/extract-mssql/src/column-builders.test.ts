import { SqlSyncError } from '@sync/core';
import { makeVector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { createColumnBuilder, type DecodeStats } from './column-builders.js';

const context = { table: 'dbo.T', column: 'C' };

/** A Date as tedious builds it for datetime2: whole ms plus `nanosecondsDelta` in seconds. */
function tediousDate(ms: number, ticks100ns: number): Date {
  const date = new Date(ms);
  Object.defineProperty(date, 'nanosecondsDelta', { value: ticks100ns / 1e7, enumerable: false });
  return date;
}

describe('column builders', () => {
  it('keep datetime2 to the microsecond over the whole 0001–9999 range and count dropped 100 ns digits', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const builder = createColumnBuilder({ kind: 'timestamp_us' }, 'datetime', stats, context);
    builder.append([tediousDate(Date.UTC(9999, 11, 31, 23, 59, 59, 999), 9999)], 0);
    builder.append([tediousDate(new Date('0001-01-01T00:00:00Z').getTime(), 0)], 0);
    builder.append([null], 0);
    builder.append([tediousDate(1_700_000_000_123, 4560)], 0);
    const values = makeVector(builder.finish()).toArray() as BigInt64Array;
    expect(values[0]).toBe(253402300799999999n);
    expect(values[1]).toBe(-62135596800000000n);
    expect(values[3]).toBe(1_700_000_000_123_456n);
    expect(stats.droppedSubMicrosecondValues).toBe(1); // 9999 ticks: the last 100 ns digit was 9
  });

  it('keeps 100 ns as TIMESTAMP_NS and refuses values outside its range, naming the column', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const builder = createColumnBuilder({ kind: 'timestamp_ns' }, 'datetime', stats, context);
    builder.append([tediousDate(1_700_000_000_123, 4567)], 0);
    expect((makeVector(builder.finish()).toArray() as BigInt64Array)[0]).toBe(1_700_000_000_123_456_700n);
    expect(() => builder.append([tediousDate(Date.UTC(9999, 11, 31), 0)], 0)).toThrow(SqlSyncError);
    expect(() => builder.append([tediousDate(Date.UTC(9999, 11, 31), 0)], 0)).toThrow(
      /dbo\.T\.C: 9999-12-31.*TIMESTAMP_NS/,
    );
  });

  it('builds exact decimals from text and from the driver double', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const wide = createColumnBuilder(
      { kind: 'decimal', precision: 38, scale: 10 },
      'decimal-text',
      stats,
      context,
    );
    wide.append(['9999999999999999999999999999.9999999999'], 0);
    wide.append([null], 0);
    wide.append(['-0.0000000001'], 0);
    const wideData = wide.finish();
    expect(wideData.nullCount).toBe(1);
    const words = wideData.values as Uint32Array;
    const lanes = new BigInt64Array(words.buffer, words.byteOffset, words.length / 2);
    const unscaled = (i: number): bigint =>
      (BigInt(lanes[2 * i + 1] as bigint) << 64n) + BigInt.asUintN(64, lanes[2 * i] as bigint);
    expect(unscaled(0)).toBe(10n ** 38n - 1n);
    expect(unscaled(2)).toBe(-1n);
    const narrow = createColumnBuilder(
      { kind: 'decimal', precision: 15, scale: 4 },
      'decimal-number',
      stats,
      context,
    );
    narrow.append([12345678901.2345], 0);
    const narrowWords = narrow.finish().values as Uint32Array;
    expect(narrowWords[0]).toBe(Number(123456789012345n & 0xffffffffn));
    expect(narrowWords[1]).toBe(Number(123456789012345n >> 32n));
  });

  it('reports a decimal that does not fit as an error naming table and column', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const builder = createColumnBuilder(
      { kind: 'decimal', precision: 5, scale: 2 },
      'decimal-text',
      stats,
      context,
    );
    expect(() => builder.append(['12345.67'], 0)).toThrow(/dbo\.T\.C/);
  });

  it('writes UTF-8 strings with nulls, bigint text, dates and booleans', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const strings = createColumnBuilder({ kind: 'string' }, 'string', stats, context);
    for (const value of ['a', null, 'ü€😀', '', 'x'.repeat(100_000)]) {
      strings.append([value], 0);
    }
    expect(makeVector(strings.finish()).toArray()).toEqual(['a', null, 'ü€😀', '', 'x'.repeat(100_000)]);
    const bigints = createColumnBuilder({ kind: 'int64' }, 'bigint-text', stats, context);
    bigints.append(['-9223372036854775808'], 0);
    bigints.append(['9223372036854775807'], 0);
    expect(Array.from(makeVector(bigints.finish()).toArray() as BigInt64Array)).toEqual([
      -9223372036854775808n,
      9223372036854775807n,
    ]);
    const dates = createColumnBuilder({ kind: 'date' }, 'datetime', stats, context);
    dates.append([new Date('0001-01-01T00:00:00Z')], 0);
    dates.append([new Date('1969-12-31T00:00:00Z')], 0);
    expect(Array.from(dates.finish().values as Int32Array)).toEqual([-719162, -1]); // days since 1970
    const bools = createColumnBuilder({ kind: 'boolean' }, 'boolean', stats, context);
    for (let i = 0; i < 20; i++) {
      bools.append([i % 5 === 0 ? null : i % 2 === 0], 0);
    }
    const flags = makeVector(bools.finish()).toArray();
    expect(flags[0]).toBe(null);
    expect(flags[2]).toBe(true);
    expect(flags[3]).toBe(false);
  });

  it('assemble datetime2 from days, seconds and nanoseconds exactly over 0001–9999, without bigints where exact', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const us = createColumnBuilder({ kind: 'timestamp_us' }, 'datetime2-parts', stats, context);
    expect(us.wireWidth).toBe(3);
    // A driver row with two other columns around the three wire columns of the datetime2.
    us.append(['x', 3_652_058, 86_399, 999_999_900, 'y'], 1); // 9999-12-31 23:59:59.9999999
    us.append(['x', 0, 0, 0, 'y'], 1); // 0001-01-01
    us.append(['x', null, null, null, 'y'], 1);
    us.append(['x', 738_949, 47_655, 123_456_000, 'y'], 1); // 2024-03-05 13:14:15.123456
    us.append(['x', 719_161, 86_399, 999_999_000, 'y'], 1); // 1969-12-31 23:59:59.999999
    const data = us.finish();
    expect(data.nullCount).toBe(1);
    expect(Array.from(makeVector(data).toArray() as BigInt64Array)).toEqual([
      253402300799999999n,
      -62135596800000000n,
      0n,
      1709644455123456n,
      -1n,
    ]);
    expect(stats.droppedSubMicrosecondValues).toBe(1);
    const ns = createColumnBuilder({ kind: 'timestamp_ns' }, 'datetime2-parts', stats, context);
    ns.append([738_949, 47_655, 123_456_700], 0);
    expect((makeVector(ns.finish()).toArray() as BigInt64Array)[0]).toBe(1709644455123456700n);
    expect(() => ns.append([3_652_058, 0, 0], 0)).toThrow(/dbo\.T\.C: 9999-12-31.*TIMESTAMP_NS/);
    const time = createColumnBuilder({ kind: 'time' }, 'time-parts', stats, context);
    time.append([86_399, 999_999_900], 0);
    time.append([0, 100], 0);
    expect(Array.from(makeVector(time.finish()).toArray() as BigInt64Array)).toEqual([86399999999n, 0n]);
    const days = createColumnBuilder({ kind: 'date' }, 'date-days', stats, context);
    days.append([0], 0);
    days.append([3_652_058], 0);
    expect(Array.from(days.finish().values as Int32Array)).toEqual([-719162, 2932896]);
  });

  it('keeps bigint text exact on both sides of 2^53', () => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const bigints = createColumnBuilder({ kind: 'int64' }, 'bigint-text', stats, context);
    const texts = ['9007199254740993', '-9007199254740993', '999999999999999', '-1', '0', '4294967296'];
    for (const text of texts) {
      bigints.append([text], 0);
    }
    expect(Array.from(makeVector(bigints.finish()).toArray() as BigInt64Array)).toEqual(texts.map(BigInt));
  });
});
