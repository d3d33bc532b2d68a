/**
 * The integrity rules of an SCD2 history (per business key, versions ordered by effective date):
 *
 * | rule            | a violation is                                                                 |
 * |-----------------|--------------------------------------------------------------------------------|
 * | `latestCount`   | a key with no is-latest version, or more than one                              |
 * | `latestNotLast` | is-latest on a version that is not the key's last (greatest effective date)    |
 * | `duplicates`    | two or more rows with the same (key, effective date)                           |
 * | `overlaps`      | consecutive versions v, w with v.end > w.effective                             |
 * | `gaps`          | consecutive versions v, w with v.end < w.effective (or no end), v not deleted  |
 * | `lastEnd`       | a last version, not deleted, whose end date is not 9999-12-31                  |
 * | `deletedEnd`    | a deleted version whose end is no delete time (none, 9999-12-31, < effective)  |
 * | `wrongBucket`   | a row in another bucket than its key's hash (only when the files carry a count)|
 *
 * @example
 * const rules: readonly ScdRule[] = SCD_RULES;
 */
export type ScdRule =
  | 'latestCount'
  | 'latestNotLast'
  | 'duplicates'
  | 'overlaps'
  | 'gaps'
  | 'lastEnd'
  | 'deletedEnd'
  | 'wrongBucket';

/**
 * Every rule, in the order reports list them.
 *
 * @example
 * for (const rule of SCD_RULES) console.log(rule, report.violations[rule].count);
 */
export const SCD_RULES: readonly ScdRule[] = Object.freeze([
  'latestCount',
  'latestNotLast',
  'duplicates',
  'overlaps',
  'gaps',
  'lastEnd',
  'deletedEnd',
  'wrongBucket',
]);

/**
 * The lake names of the four SCD2 columns of a table (`effective_date_column`, `end_date_column`,
 * `is_latest_column`, `is_deleted_column` of its config).
 *
 * @example
 * const columns: ScdColumnNames = { effectiveDate: 'effective_date', endDate: 'end_date', isLatest: 'IsLatest', isDeleted: 'IsDeleted' };
 */
export interface ScdColumnNames {
  readonly effectiveDate: string;
  readonly endDate: string;
  readonly isLatest: string;
  readonly isDeleted: string;
}

/**
 * One stored row of a version, as DuckDB prints its values (`VARCHAR`): dates and timestamps as
 * `2024-01-01` / `2024-01-01 10:00:00.123456`.
 *
 * @example
 * const version: ScdVersionRow = { effective: '2024-01-01 10:00:00', end: '9999-12-31 00:00:00', isLatest: true, isDeleted: false, bucket: 3, file: 'bucket=03/part-r1-0.parquet' };
 */
export interface ScdVersionRow {
  readonly effective: string | null;
  readonly end: string | null;
  readonly isLatest: boolean | null;
  readonly isDeleted: boolean | null;
  /** The bucket directory the row is stored in. */
  readonly bucket: number;
  /** The file, relative to the table directory. */
  readonly file: string;
}

/**
 * One violation: the business key (column name → value as text, `null` for NULL) and the rows
 * involved (both versions of an overlap or gap, every copy of a duplicate, …). A `wrongBucket`
 * example also names the bucket the key hashes to.
 *
 * @example
 * const example: ScdViolation = { key: { CustomerId: '7' }, versions: [first, second] };
 */
export interface ScdViolation {
  readonly key: Readonly<Record<string, string | null>>;
  readonly versions: readonly ScdVersionRow[];
  readonly expectedBucket?: number;
}

/**
 * The violations of one rule: how many (keys for key rules, version pairs for overlaps and gaps,
 * (key, effective) groups for duplicates, rows for the others), how many distinct keys, and the
 * first few examples ordered by key.
 *
 * @example
 * report.violations.overlaps // { count: 1, keys: 1, examples: [{ key: { Id: '7' }, versions: [v, w] }] }
 */
export interface ScdRuleViolations {
  readonly count: number;
  readonly keys: number;
  readonly examples: readonly ScdViolation[];
}

/**
 * What a repair of the history would do (or did): the buckets whose directory is rewritten, the
 * duplicate rows dropped, and the rows kept whose end date, is-latest, is-deleted or bucket changes.
 *
 * @example
 * report.repair // { bucketsToRewrite: [3, 11], rowsToRemove: 1, rowsToChange: 2 }
 */
export interface ScdRepairPlan {
  readonly bucketsToRewrite: readonly number[];
  readonly rowsToRemove: number;
  readonly rowsToChange: number;
}

/**
 * The integrity of a table's SCD2 history: plain data, ready for `JSON.stringify`. Rules other
 * than `duplicates` and `wrongBucket` are checked on the history with duplicates removed (the copy
 * a repair keeps), so one duplicated row is not reported under every rule.
 *
 * @example
 * const report = await checkScdIntegrity({ tableDir, columns });
 * if (!report.valid) console.log(JSON.stringify(report.violations));
 */
export interface ScdIntegrityReport {
  /** The table directory read. */
  readonly tableDir: string;
  /** Bucket files read. */
  readonly files: number;
  readonly rows: number;
  /** Distinct business keys. */
  readonly keys: number;
  /** The business key columns the history was checked by. */
  readonly businessKey: readonly string[];
  /** The bucket count the files carry (`sqlsync.scd.bucket_count`); absent when they carry none. */
  readonly bucketCount?: number;
  /** True when no rule is violated. */
  readonly valid: boolean;
  readonly violations: Readonly<Record<ScdRule, ScdRuleViolations>>;
  readonly repair: ScdRepairPlan;
}
