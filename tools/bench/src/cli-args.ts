import { parseArgs } from 'node:util';
import { DEFAULT_DIMENSION_KEYS } from './dimension-table.js';
import { FIXED_MEASUREMENTS, type MeasurementName, partitionWorkers } from './measurement.js';

/** The bench command line, parsed. */
export interface BenchArgs {
  /** Rows in the fact table. Defaults to 5,000,000. */
  readonly rows: number;
  /** Keys (rows) of the SCD2 dimension table: `--rows` when given, else 2,000,000 (issue 13). */
  readonly scdKeys: number;
  /** Worker counts of the partitioned runs. Defaults to `[1, 2]`. */
  readonly workers: readonly number[];
  /** The measurements to run, in run order. Defaults to all. */
  readonly measurements: readonly MeasurementName[];
  /** Results file, relative to the repository root unless absolute. Defaults to `bench/results/latest.json`. */
  readonly out: string;
  /** Runs of each measurement; the one with the median wall time is reported. Defaults to 1. */
  readonly repeat: number;
  /** Keep the temporary work directory (lakes, Parquet files). Defaults to false. */
  readonly keep: boolean;
  readonly help: boolean;
}

/** Usage text of `npm run bench -- …`. */
export const USAGE = `Usage: npm run bench -- [--rows N] [--workers 1,2] [--only NAME[,NAME…]] [--repeat N] [--out FILE] [--keep]
  --rows N        rows in the fact table (default 5000000; 1_000_000 and 5e6 forms accepted),
                  and keys of the SCD2 dimension table (default 2000000)
  --workers LIST  worker counts of the partitioned sqlsync runs (default 1,2)
  --only NAMES    run only these measurements: ${FIXED_MEASUREMENTS.join(', ')}, sqlsync-partition-<n>w
  --repeat N      run each measurement N times and report the median (default 1)
  --out FILE      results JSON, relative to the repository root (default bench/results/latest.json)
  --keep          keep the temporary lake and Parquet files`;

/**
 * Parses the bench arguments; throws an Error with a message fit for the terminal.
 *
 * @example
 * parseBenchArgs(['--rows', '200000', '--only', 'baseline-a']).measurements // ['baseline-a']
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string' },
      workers: { type: 'string', default: '1,2' },
      only: { type: 'string', multiple: true },
      out: { type: 'string', default: 'bench/results/latest.json' },
      repeat: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const rows = values.rows === undefined ? 5_000_000 : Number(values.rows.replaceAll('_', ''));
  if (!Number.isSafeInteger(rows) || rows < 1) {
    throw new Error(`--rows ${values.rows}: a positive whole number of rows`);
  }
  const workers = values.workers.split(',').map((w) => Number(w.trim()));
  if (workers.some((w) => !Number.isSafeInteger(w) || w < 1)) {
    throw new Error(`--workers ${values.workers}: a comma-separated list of positive whole numbers`);
  }
  const repeat = Number(values.repeat);
  if (!Number.isSafeInteger(repeat) || repeat < 1) {
    throw new Error(`--repeat ${values.repeat}: a positive whole number`);
  }
  const all: MeasurementName[] = [
    'baseline-a',
    'emulator-raw',
    'baseline-b',
    'sqlsync-static-1w',
    ...[...new Set(workers)].sort((a, b) => a - b).map((w): MeasurementName => `sqlsync-partition-${w}w`),
    'sqlsync-no-change',
    'decimal-exact',
    'decimal-double',
    'decimal-exact-columns',
    'decimal-double-columns',
    'sqlsync-scd2-initial',
    'sqlsync-scd2-incremental',
    'sqlsync-mssql-destination',
  ];
  const only = values.only?.flatMap((o) => o.split(',')).map((o) => o.trim());
  for (const name of only ?? []) {
    if (!(FIXED_MEASUREMENTS as readonly string[]).includes(name) && partitionWorkers(name) === undefined) {
      throw new Error(`--only ${name}: unknown measurement\n${USAGE}`);
    }
  }
  const measurements =
    only === undefined
      ? all
      : [
          ...all.filter((m) => only.includes(m)),
          ...only.filter((o): o is MeasurementName => !all.includes(o as MeasurementName)),
        ];
  return {
    rows,
    scdKeys: values.rows === undefined ? DEFAULT_DIMENSION_KEYS : rows,
    workers,
    measurements,
    out: values.out,
    repeat,
    keep: values.keep,
    help: values.help,
  };
}
