#!/usr/bin/env node
// One measurement in its own process, so its peak RSS is its own (RSS rarely goes down):
//   SQLSYNC_BENCH_SPEC='{…}' node tools/bench/dist/measure.js <name>
// Prints the MeasureOutcome as JSON on the last line of stdout. Started by main.js.
import { baselineDriver, baselineDuckdbCopy, type Measured } from './baselines.js';
import { decimalPath } from './decimal-paths.js';
import { emulatorRaw } from './emulator-raw.js';
import { type MeasureOutcome, type MeasureSpec, partitionWorkers, SPEC_ENV } from './measurement.js';
import { sqlsyncMssqlDestination } from './mssql-destination.js';
import { RssSampler } from './rss-sampler.js';
import { sqlsyncFullRun, sqlsyncNoChangeRun } from './sqlsync-runs.js';

function runMeasurement(spec: MeasureSpec): Promise<Measured> {
  switch (spec.name) {
    case 'baseline-a':
      return baselineDriver(spec);
    case 'baseline-b':
      return baselineDuckdbCopy(spec);
    case 'emulator-raw':
      return emulatorRaw(spec);
    case 'sqlsync-static-1w':
      return sqlsyncFullRun(spec, 'static');
    case 'sqlsync-no-change':
      return sqlsyncNoChangeRun(spec);
    case 'decimal-exact':
      return decimalPath(spec, 'decimal', false);
    case 'decimal-double':
      return decimalPath(spec, 'float', false);
    case 'decimal-exact-columns':
      return decimalPath(spec, 'decimal', true);
    case 'decimal-double-columns':
      return decimalPath(spec, 'float', true);
    case 'sqlsync-scd2-initial':
    case 'sqlsync-scd2-incremental':
      // The same run: the incremental one finds the initial load's lake and state in its work
      // directory and 1 % of the keys changed (main.js sets both up, untimed).
      return sqlsyncFullRun(spec, 'scd');
    case 'sqlsync-mssql-destination':
      return sqlsyncMssqlDestination(spec);
    default:
      if (partitionWorkers(spec.name) !== undefined) {
        return sqlsyncFullRun(spec, 'partition');
      }
      throw new Error(`unknown measurement ${spec.name}`);
  }
}

const raw = process.env[SPEC_ENV];
if (raw === undefined) {
  process.stderr.write(`measure.js is started by main.js with ${SPEC_ENV} set\n`);
  process.exit(2);
}
const spec = JSON.parse(raw) as MeasureSpec;
// SQLSYNC_BENCH_MEMTRACE=<file>: also append a line per sample (ms, rss, heapTotal, heapUsed, external,
// arrayBuffers in MB) to <file>, for finding where a peak comes from.
const sampler = RssSampler.start(50, process.env.SQLSYNC_BENCH_MEMTRACE);
let outcome: MeasureOutcome;
try {
  const measured = await runMeasurement(spec);
  outcome = { name: spec.name, ...measured, peakRssBytes: sampler.stop() };
} catch (error) {
  outcome = {
    name: spec.name,
    status: 'failed',
    reason: error instanceof Error ? error.message : String(error),
    rows: 0,
    seconds: 0,
    cpuSeconds: 0,
    startRssBytes: 0,
    peakRssBytes: sampler.stop(),
  };
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
// Pools and DuckDB instances are closed; a lingering handle must not hold the parent up.
process.exit(0);
