/**
 * A deliberately plain model of an SCD Type 2 lake table (docs: /work/notes/scd2-spec.md, issue 13),
 * written for the acceptance tests only: it shares no code and no SQL with the product's merge, so
 * the product's history can be checked against it. Maps and arrays, nothing clever; it handles a
 * `datetime2(7)` last-modified column (timestamps as style-121 text).
 */

/** The end date of a version that is still current, as the lake comparison text. */
export const OPEN_END = '9999-12-31 00:00:00.000000';

/** One source row as a run's snapshot sees it. */
export interface ReferenceSourceRow {
  /** The business key, one text per key column (a tuple: never concatenated). */
  readonly key: readonly string[];
  /** The last-modified value, style 121 with 7 fractional digits (`2026-01-01 10:00:00.1234567`). */
  readonly lastModified: string;
  /** Every source column as the lake should hold it (comparison text, null for NULL), in source order. */
  readonly values: readonly (string | null)[];
}

/** One row of the expected lake history. */
export interface ReferenceHistoryRow {
  readonly key: readonly string[];
  readonly values: readonly (string | null)[];
  /** Effective date, `yyyy-mm-dd hh:mi:ss.ffffff` (the lake keeps microseconds). */
  readonly effective: string;
  /** End date, same form; {@link OPEN_END} while current. */
  readonly end: string;
  readonly isLatest: boolean;
  readonly isDeleted: boolean;
}

/** What one run of the reference read. */
export interface ReferenceRunResult {
  /** Source rows the run read: inside the window, plus restored rows read by key. */
  readonly rowsRead: number;
  /** The window's exclusive lower bound (7 digits), or null for a full read. */
  readonly readAfter: string | null;
  /** The watermark recorded after the run (7 digits). */
  readonly watermark: string | null;
  /** Versions the run added (a read row whose (key, µs last_modified) the history did not hold). */
  readonly versionsAdded: number;
  /** Keys whose latest version the run closed as deleted. */
  readonly keysDeleted: number;
}

interface Version {
  readonly effective: string;
  values: readonly (string | null)[];
  /** Set when the key was gone from the source: the deleting run's source time. */
  deletedAt: string | undefined;
}

/**
 * The expected history after a sequence of runs, each given the source snapshot it saw and its
 * source time. Rules (spec "Lake layout and columns" and "Integrity rules"): a version is
 * (key, last_modified truncated to µs); a row read for an existing version replaces its values and
 * re-opens it if it was deleted; with `detectDeletes` the latest version of a key gone from the
 * source gets end = the run's source time and is_deleted, and a deleted key back in the source with
 * a last_modified below the window is read all the same; end = next version's effective, else
 * 9999-12-31, except a deleted version keeps its delete time (clamped between its own effective
 * and the next version's); is_latest = the greatest effective.
 *
 * @example
 * const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
 * ref.run([{ key: ['1'], lastModified: '2026-01-01 10:00:00.0000000', values: ['1', 'a'] }], '2026-01-02 00:00:00.000000');
 * ref.history(); // [{ key: ['1'], effective: '2026-01-01 10:00:00.000000', end: OPEN_END, isLatest: true, … }]
 */
export class ScdReference {
  readonly #history = new Map<string, { key: readonly string[]; versions: Version[] }>();
  #watermark: string | null = null;

  constructor(
    private readonly options: { readonly lookbackMinutes: number; readonly detectDeletes: boolean },
  ) {}

  /** The watermark the last run recorded (7 digits), null before the first run or while the source was empty. */
  get watermark(): string | null {
    return this.#watermark;
  }

  /**
   * One run: reads the snapshot's rows newer than watermark − lookback (all of them on the first
   * run), merges them, then closes deleted keys at `sourceNow` (µs text).
   */
  run(snapshot: readonly ReferenceSourceRow[], sourceNow: string): ReferenceRunResult {
    const readAfter =
      this.#watermark === null ? null : minusMinutes(this.#watermark, this.options.lookbackMinutes);
    const inWindow = readAfter === null ? snapshot : snapshot.filter((r) => r.lastModified > readAfter);
    // With detect_deletes, a key whose latest version is deleted but which is back in the source
    // below the window (a restored row) is read by key too (handlers README, "restored row").
    const windowKeys = new Set(inWindow.map((r) => JSON.stringify(r.key)));
    const restored = this.options.detectDeletes
      ? snapshot.filter((r) => {
          const id = JSON.stringify(r.key);
          const entry = this.#history.get(id);
          return (
            !windowKeys.has(id) && entry !== undefined && latestOf(entry.versions).deletedAt !== undefined
          );
        })
      : [];
    const read = [...inWindow, ...restored];
    let versionsAdded = 0;
    let keysDeleted = 0;
    for (const row of read) {
      const id = JSON.stringify(row.key);
      const entry = this.#history.get(id) ?? { key: row.key, versions: [] };
      this.#history.set(id, entry);
      const effective = toMicroseconds(row.lastModified);
      const same = entry.versions.find((v) => v.effective === effective);
      if (same === undefined) {
        entry.versions.push({ effective, values: row.values, deletedAt: undefined });
        versionsAdded++;
      } else {
        same.values = row.values;
        same.deletedAt = undefined;
      }
    }
    if (this.options.detectDeletes) {
      const present = new Set(snapshot.map((r) => JSON.stringify(r.key)));
      for (const [id, entry] of this.#history) {
        const latest = latestOf(entry.versions);
        if (!present.has(id) && latest.deletedAt === undefined) {
          latest.deletedAt = sourceNow;
          keysDeleted++;
        }
      }
    }
    // The product records MAX(last_modified) of the whole table, or keeps the old one when it is empty.
    const max = snapshot.reduce<string | null>(
      (m, r) => (m === null || r.lastModified > m ? r.lastModified : m),
      null,
    );
    this.#watermark = max ?? this.#watermark;
    return { rowsRead: read.length, readAfter, watermark: this.#watermark, versionsAdded, keysDeleted };
  }

  /** The expected lake rows, every version of every key. */
  history(): ReferenceHistoryRow[] {
    const rows: ReferenceHistoryRow[] = [];
    for (const { key, versions } of this.#history.values()) {
      const sorted = [...versions].sort((a, b) => (a.effective < b.effective ? -1 : 1));
      sorted.forEach((v, i) => {
        const next = sorted[i + 1];
        rows.push({
          key,
          values: v.values,
          effective: v.effective,
          end: v.deletedAt === undefined ? (next?.effective ?? OPEN_END) : deletedEnd(v, next),
          isLatest: next === undefined,
          isDeleted: v.deletedAt !== undefined,
        });
      });
    }
    return rows;
  }
}

/**
 * A deleted version's end: its delete time, kept within the integrity rules — never after the next
 * version's effective date (a key that came back with an older last_modified than the delete time:
 * a gap is allowed, an overlap is not) nor before its own effective date (a last_modified ahead of
 * the source's clock).
 */
function deletedEnd(version: Version, next: Version | undefined): string {
  const at = version.deletedAt as string;
  // Timestamps as fixed-width text: comparing the strings compares the instants.
  const capped = next !== undefined && next.effective < at ? next.effective : at;
  if (capped < version.effective) {
    return version.effective;
  }
  return capped;
}

function latestOf(versions: readonly Version[]): Version {
  return versions.reduce((a, b) => (b.effective > a.effective ? b : a));
}

/**
 * `…ss.fffffff` → `…ss.ffffff`: the lake keeps microseconds and drops the 100 ns digit.
 *
 * @example
 * toMicroseconds('2026-01-01 10:00:00.1234567') // '2026-01-01 10:00:00.123456'
 */
export function toMicroseconds(text7: string): string {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{7}$/.test(text7)) {
    throw new Error(`not a datetime2(7) style-121 text: ${text7}`);
  }
  return text7.slice(0, -1);
}

/**
 * Subtracts whole minutes from a style-121 text, keeping its fraction (tests use years after 1970).
 *
 * @example
 * minusMinutes('2026-01-01 00:10:00.1234567', 30) // '2025-12-31 23:40:00.1234567'
 */
export function minusMinutes(text: string, minutes: number): string {
  const [date, time] = text.split(' ') as [string, string];
  const [clock, fraction] = time.split('.') as [string, string];
  const ms = Date.parse(`${date}T${clock}Z`) - minutes * 60_000;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}
