/**
 * The canonical-text fast path of `Decimal128ColumnBuilder.appendText` against the exact bigint
 * path it replaces (`append(parseUnscaled(text))`): same Arrow words for every canonical text, and
 * for every other text the same value or the same error, because such text takes that path itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeCanonicalDecimalText } from './canonical-decimal-text.js';
import { DecimalError } from './decimal-error.js';
import { Decimal128ColumnBuilder } from './decimal128-column-builder.js';
import { formatUnscaled } from './format-decimal.js';
import { parseUnscaled } from './parse-decimal.js';

const RUNS = { numRuns: 3000 };

interface Built {
  readonly words: readonly number[];
  readonly validity: readonly number[];
  readonly nullCount: number;
  /** Per input: `'ok'`, or the error's fields. */
  readonly outcomes: readonly unknown[];
}

function errorFields(error: unknown): unknown {
  if (!(error instanceof DecimalError)) {
    throw error;
  }
  const { name, code, message, value, precision, scale } = error;
  return { name, code, message, value, precision, scale };
}

/**
 * Appends `texts` (a failing one appends nothing; the rest go on) to a builder whose buffers are
 * dirty from an earlier batch of -1s, so a slot the fast path only half wrote would show.
 */
function build(
  texts: readonly (string | null)[],
  precision: number,
  scale: number,
  append: (builder: Decimal128ColumnBuilder, text: string | null) => void,
): Built {
  const builder = new Decimal128ColumnBuilder(precision, scale, { initialCapacity: 2 });
  for (let i = 0; i < texts.length + 2; i++) {
    builder.append(-1n);
  }
  builder.finish();
  const outcomes = texts.map((text) => {
    try {
      append(builder, text);
      return 'ok';
    } catch (error) {
      return errorFields(error);
    }
  });
  const data = builder.finish();
  return {
    words: Array.from(data.values),
    validity: Array.from(data.nullBitmap ?? []),
    nullCount: data.nullCount,
    outcomes,
  };
}

function viaText(texts: readonly (string | null)[], precision: number, scale: number): Built {
  return build(texts, precision, scale, (builder, text) => builder.appendText(text));
}

/** The exact path appendText took before the fast path existed. */
function viaBigint(texts: readonly (string | null)[], precision: number, scale: number): Built {
  return build(texts, precision, scale, (builder, text) =>
    builder.append(text === null ? null : parseUnscaled(text, precision, scale)),
  );
}

/** Whether the fast path itself takes `text`; it must leave the slot alone when it does not. */
function fastPathTakes(text: string, precision: number, scale: number): boolean {
  const words = new Uint32Array([1, 2, 3, 4, 5, 6]);
  const taken = writeCanonicalDecimalText(words, 1, text, scale, precision - scale);
  if (!taken) {
    expect(Array.from(words)).toEqual([1, 2, 3, 4, 5, 6]);
  }
  return taken;
}

// ---------------------------------------------------------------- arbitraries

const columnType = fc
  .integer({ min: 1, max: 38 })
  .chain((precision) =>
    fc.record({ precision: fc.constant(precision), scale: fc.integer({ min: 0, max: precision }) }),
  );

/** Magnitudes where the fast path changes representation: 15/16 and 30/31 digits, 2^24·k words. */
const BOUNDARIES = [
  ...[24n, 25n, 32n, 48n, 50n, 53n, 56n, 64n, 72n, 75n, 96n, 99n, 100n, 120n, 126n].map((k) => 2n ** k),
  ...[8n, 15n, 16n, 23n, 24n, 30n, 31n, 37n].map((k) => 10n ** k),
];

function unscaledIn(precision: number): fc.Arbitrary<bigint> {
  const max = 10n ** BigInt(precision) - 1n;
  const digits = fc
    .integer({ min: 1, max: precision })
    .chain((n) => fc.bigInt({ min: n === 1 ? 0n : 10n ** BigInt(n - 1), max: 10n ** BigInt(n) - 1n }));
  const boundaries = BOUNDARIES.filter((b) => b <= max);
  const nearBoundary = fc
    .tuple(fc.constantFrom(...(boundaries.length > 0 ? boundaries : [0n])), fc.bigInt({ min: -3n, max: 3n }))
    .map(([boundary, delta]) => {
      const v = boundary + delta;
      return v < 0n ? -v : v > max ? max : v;
    });
  return fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: digits },
        { weight: 2, arbitrary: fc.bigInt({ min: 0n, max }) },
        { weight: 2, arbitrary: nearBoundary },
        { weight: 1, arbitrary: fc.constantFrom(0n, 1n, max) },
      ),
      fc.boolean(),
    )
    .map(([magnitude, negative]) => (negative ? -magnitude : magnitude));
}

const column = columnType.chain(({ precision, scale }) =>
  fc.record({
    precision: fc.constant(precision),
    scale: fc.constant(scale),
    values: fc.array(fc.option(unscaledIn(precision), { nil: null, freq: 8 }), {
      minLength: 1,
      maxLength: 20,
    }),
  }),
);

/** Text near SQL Server's form but often not it, and sometimes no number at all. */
const messyText = fc
  .array(
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...'0123456789') },
      { weight: 2, arbitrary: fc.constant('.') },
      { weight: 1, arbitrary: fc.constantFrom('-', '+', 'e', 'E', ' ', ',', 'x', '\u0661', '\uff11') },
    ),
    { maxLength: 44 },
  )
  .map((chars) => chars.join(''));

/** Canonical text of `value`, then spelled differently. */
function respell(text: string, scale: number, variant: number, count: number): string {
  const negative = text.startsWith('-');
  const sign = negative ? '-' : '';
  const body = negative ? text.slice(1) : text;
  const [whole = '', fraction = ''] = body.split('.');
  const point = scale > 0 ? '.' : '';
  switch (variant) {
    case 0:
      return `+${body}`;
    case 1:
      return `${sign}${'0'.repeat(count)}${body}`; // leading zeros: not SQL Server's, same value
    case 2:
      return `${sign}${whole}.${fraction}${'0'.repeat(count)}`; // more fraction digits
    case 3:
      return `${sign}${whole}${point}${fraction.slice(0, Math.max(0, fraction.length - count))}`; // fewer
    case 4:
      return `${sign}${whole === '0' && fraction !== '' ? '' : whole}.${fraction}`; // '.5', '1.'
    case 5:
      return `${sign}${whole}${fraction}E-${scale}`;
    case 6:
      return `${text}${count}`; // one digit too many somewhere
    case 7:
      return `${sign}${'9'.repeat(count)}${body}`; // overflow, or not
    case 8:
      return count % 2 === 0 ? ` ${text}` : `${text} `;
    default:
      return `${sign}${sign}${body}`;
  }
}

// ---------------------------------------------------------------- properties

describe('Decimal128ColumnBuilder.appendText fast path', () => {
  it('writes the same words as the bigint path for SQL Server text, and takes the fast path', () => {
    fc.assert(
      fc.property(column, ({ precision, scale, values }) => {
        const texts = values.map((v) => (v === null ? null : formatUnscaled(v, scale)));
        for (const text of texts) {
          if (text !== null) {
            expect(fastPathTakes(text, precision, scale)).toBe(true);
          }
        }
        const built = viaText(texts, precision, scale);
        expect(built).toEqual(viaBigint(texts, precision, scale));
        expect(built.outcomes.every((o) => o === 'ok')).toBe(true);
      }),
      RUNS,
    );
  });

  it('gives every other spelling the old result or the old error', () => {
    const spelled = columnType.chain(({ precision, scale }) =>
      fc.record({
        precision: fc.constant(precision),
        scale: fc.constant(scale),
        text: fc.oneof(
          messyText,
          fc
            .tuple(unscaledIn(precision), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 3 }))
            .map(([value, variant, count]) => respell(formatUnscaled(value, scale), scale, variant, count)),
        ),
      }),
    );
    fc.assert(
      fc.property(spelled, ({ precision, scale, text }) => {
        const texts = [text, '1', text];
        expect(viaText(texts, precision, scale)).toEqual(viaBigint(texts, precision, scale));
      }),
      RUNS,
    );
  });
});

describe('Decimal128ColumnBuilder.appendText edge cases', () => {
  const nines = (n: number) => '9'.repeat(n);
  const canonical: readonly [string, number, number][] = [
    [nines(38), 38, 0],
    [`-${nines(38)}`, 38, 0],
    [`${nines(28)}.${nines(10)}`, 38, 10],
    [`-${nines(28)}.${nines(10)}`, 38, 10],
    [`0.${nines(38)}`, 38, 38],
    [`-0.${'0'.repeat(37)}1`, 38, 38],
    ['0', 1, 0],
    ['0', 38, 0],
    ['-0', 5, 0],
    ['-0.0000', 19, 4],
    [`-0.${'0'.repeat(20)}`, 38, 20],
    ['9', 1, 0],
    ['-9', 1, 0],
    ['0.5', 1, 1],
    ['-0.50', 5, 2],
    ['123.45', 5, 2],
    ['-42', 10, 0],
    ['007.50', 5, 2],
    ['999999999999999', 15, 0], // 15 digits: the largest pure-double value
    ['-999999999999999', 15, 0],
    ['1000000000000000', 16, 0], // 16 digits: the smallest wide one
    ['9007199254740991', 19, 0], // 2^53 - 1, 2^53, 2^53 + 1
    ['-9007199254740992', 19, 0],
    ['9007199254740993', 19, 0],
    ['900719925474.0993', 19, 4],
    ['-922337203685477.5808', 19, 4], // -2^63 at scale 4
    ['922337203685477.5807', 19, 4],
    ['18446744073709551615', 38, 0], // 2^64 - 1, 2^64, 2^64 + 1
    ['-18446744073709551616', 38, 0],
    ['18446744073709551617', 38, 0],
    ['1844674407.3709551616', 38, 10],
    ['79228162514264337593543950335', 38, 0], // 2^96 - 1, 2^96, 2^96 + 1
    ['-79228162514264337593543950336', 38, 0],
    ['7922816251426433759.3543950337', 38, 10],
    ['-4294967296', 10, 0], // -2^32: the low word is zero, the borrow moves up
    ['-4294967296.0000000000', 38, 10],
    [`-1${'0'.repeat(30)}`, 38, 0],
  ];

  it.each(canonical)('takes %s as DECIMAL(%i,%i) on the fast path with the old words', (text, p, s) => {
    expect(fastPathTakes(text, p, s)).toBe(true);
    expect(viaText([text], p, s)).toEqual(viaBigint([text], p, s));
  });

  it('writes negative zero as plain zero', () => {
    for (const [text, p, s] of [
      ['-0.0000', 19, 4],
      [`-0.${'0'.repeat(20)}`, 38, 20],
      ['-0', 1, 0],
    ] as const) {
      const builder = new Decimal128ColumnBuilder(p, s);
      builder.append(-1n);
      builder.finish(); // dirty slot
      builder.appendText(text);
      expect(Array.from(builder.finish().values)).toEqual([0, 0, 0, 0]);
    }
  });

  const other: readonly [string, number, number][] = [
    ['+1.50', 5, 2],
    ['1.5', 5, 2],
    ['1.500', 5, 2],
    ['1.505', 5, 2],
    ['.50', 5, 2],
    ['-.50', 5, 2],
    ['1.', 5, 0],
    ['1.', 5, 2],
    ['1E+3', 6, 2],
    ['1e3', 4, 0],
    ['1.50e0', 5, 2],
    ['0001.50', 3, 2],
    ['1000.00', 5, 2],
    ['-1000.00', 5, 2],
    [nines(39), 38, 0],
    [`${nines(29)}.${nines(10)}`, 38, 10],
    ['10', 1, 0],
    ['1.0', 1, 0],
    [' 1.50', 5, 2],
    ['1.50 ', 5, 2],
    ['', 5, 2],
    ['', 5, 0],
    ['-', 5, 0],
    ['.', 5, 0],
    ['-.', 5, 1],
    ['--1', 5, 0],
    ['1,000.00', 9, 2],
    ['1.2.', 5, 2],
    ['12a.45', 5, 2],
    ['NaN', 5, 0],
    ['Infinity', 10, 0],
    ['0x10', 5, 0],
    ['\u0661.\u0665\u0660', 5, 2],
    ['\uff11', 5, 0],
  ];

  it.each(other)('leaves %s as DECIMAL(%i,%i) to the exact parser, with the old outcome', (text, p, s) => {
    expect(fastPathTakes(text, p, s)).toBe(false);
    expect(viaText([text, '0'], p, s)).toEqual(viaBigint([text, '0'], p, s));
  });

  it('keeps the old errors', () => {
    const builder = new Decimal128ColumnBuilder(5, 2);
    expect(() => builder.appendText('1000.00')).toThrow(/'1000.00' does not fit DECIMAL\(5,2\)/);
    expect(() => builder.appendText('1.005')).toThrow(
      expect.objectContaining({ code: 'DECIMAL_PRECISION_LOSS' }),
    );
    expect(() => builder.appendText('1.00 ')).toThrow(expect.objectContaining({ code: 'DECIMAL_PARSE' }));
    expect(builder.length).toBe(0);
  });
});
