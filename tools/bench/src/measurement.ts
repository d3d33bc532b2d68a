/**
 * What the parent (`main.ts`) asks a measurement child (`measure.ts`) to do, and what comes back.
 * Both cross a process boundary as JSON.
 */

/** The fixed measurements; partitioned runs are named `sqlsync-partition-<n>w` per worker count. */
export const FIXED_MEASUREMENTS = [
  'baseline-a',
  'baseline-b',
  'emulator-raw',
  'sqlsync-static-1w',
  'sqlsync-no-change',
  'decimal-exact',
  'decimal-double',
  'decimal-exact-columns',
  'decimal-double-columns',
  'sqlsync-scd2-initial',
  'sqlsync-scd2-incremental',
  'sqlsync-mssql-destination',
] as const;

/** A measurement's name: one of {@link FIXED_MEASUREMENTS} or `sqlsync-partition-<n>w`. */
export type MeasurementName = (typeof FIXED_MEASUREMENTS)[number] | `sqlsync-partition-${number}w`;

/** How the child reaches the emulator. */
export interface EmulatorEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** Everything a measurement child needs (passed in the environment, not argv: it holds a password). */
export interface MeasureSpec {
  readonly name: MeasurementName;
  /** Rows in the fact table; for the SCD2 measurements, keys (rows) of the dimension table. */
  readonly rows: number;
  readonly endpoint: EmulatorEndpoint;
  /** Directory the measurement writes under (lake, state, Parquet files); created by the child. */
  readonly workDir: string;
  /** Worker threads for the partitioned run, and for the no-change run. */
  readonly workers: number;
}

/** `ok`: measured; `not_available`: the feature is missing (never faked); `failed`: it broke. */
export type MeasureStatus = 'ok' | 'not_available' | 'failed';

/** One measurement's figures, as the child reports them on the last line of its stdout. */
export interface MeasureOutcome {
  readonly name: MeasurementName;
  readonly status: MeasureStatus;
  /** Why it is not available or failed. */
  readonly reason?: string;
  /** Rows read (or copied) in the timed section. */
  readonly rows: number;
  /** Wall-clock seconds of the timed section. */
  readonly seconds: number;
  /** CPU seconds (user + system, all threads of the child) in the timed section. */
  readonly cpuSeconds: number;
  /** Bytes of Parquet written, when the measurement writes Parquet. */
  readonly parquetBytes?: number;
  /**
   * Peak resident set size of the child process in bytes: the larger of the 50 ms samples of
   * `process.memoryUsage.rss()` and the kernel's high-water mark (`VmHWM`). Worker threads share the process RSS,
   * so a 2-worker run counts both workers.
   */
  readonly peakRssBytes: number;
  /** Resident set size when the timed section started (Node, loaded modules, native libraries). */
  readonly startRssBytes: number;
  /** Measurement-specific facts (statements, units, files, …). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The environment variable carrying a {@link MeasureSpec} to the child. */
export const SPEC_ENV = 'SQLSYNC_BENCH_SPEC';

/** Parses `sqlsync-partition-<n>w` into n, or returns undefined. */
export function partitionWorkers(name: string): number | undefined {
  const match = /^sqlsync-partition-(\d+)w$/.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** The SCD2 measurements (issue 13), which read the dimension table instead of the fact table. */
export const SCD_MEASUREMENTS = ['sqlsync-scd2-initial', 'sqlsync-scd2-incremental'] as const;

/**
 * Whether a measurement reads the SCD2 dimension table.
 *
 * @example
 * isScdMeasurement('sqlsync-scd2-initial') // true
 */
export function isScdMeasurement(name: string): boolean {
  return (SCD_MEASUREMENTS as readonly string[]).includes(name);
}
