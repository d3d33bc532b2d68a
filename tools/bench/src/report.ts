import {
  isScdMeasurement,
  type MeasurementName,
  type MeasureOutcome,
  partitionWorkers,
} from './measurement.js';

/** A measurement with the figures derived from it in the parent. */
export interface ReportedMeasurement extends MeasureOutcome {
  /** Rows per wall-clock second; null unless the measurement is `ok`. */
  readonly rowsPerSecond: number | null;
  /** MB (10^6 bytes) of Parquet written per second; null without Parquet. */
  readonly parquetMBps: number | null;
  /** Client CPU µs per row (the measuring process, all its threads). */
  readonly clientMicrosPerRow: number | null;
  /** Server CPU µs per row (the emulator, in the parent process). */
  readonly serverMicrosPerRow: number | null;
  /**
   * Baseline A's client CPU per row ÷ this one's: the ratio to A by CPU cost rather than wall
   * time, which the emulator sharing the two cores cannot distort.
   */
  readonly cpuRatioToA: number | null;
  /** rows/s ÷ baseline A's rows/s. */
  readonly ratioToA: number | null;
  /** rows/s ÷ baseline B's rows/s. */
  readonly ratioToB: number | null;
  /** CPU seconds the emulator (the parent process) spent while this measurement ran. */
  readonly serverCpuSeconds: number;
  /** Statements the emulator received while this measurement ran. */
  readonly statementsReceived: number;
  /** Wall seconds of every repetition (`--repeat`); the reported one is the median. */
  readonly repetitions?: readonly number[];
}

/** One of issue 6's targets, judged on this run. `met` is null when it could not be measured. */
export interface TargetVerdict {
  readonly target: string;
  readonly threshold: string;
  readonly measured: string;
  readonly met: boolean | null;
}

/** Adds rows/s, MB/s and the ratios to the baselines. */
export function deriveFigures(
  outcomes: readonly Omit<
    ReportedMeasurement,
    | 'rowsPerSecond'
    | 'parquetMBps'
    | 'ratioToA'
    | 'ratioToB'
    | 'clientMicrosPerRow'
    | 'serverMicrosPerRow'
    | 'cpuRatioToA'
  >[],
): ReportedMeasurement[] {
  const rate = (o: MeasureOutcome | undefined): number | null =>
    o !== undefined && o.status === 'ok' && o.seconds > 0 ? o.rows / o.seconds : null;
  const perRow = (seconds: number, o: MeasureOutcome | undefined): number | null =>
    o !== undefined && o.status === 'ok' && o.rows > 0 ? (seconds / o.rows) * 1e6 : null;
  const baselineA = outcomes.find((o) => o.name === 'baseline-a');
  const aCpu = baselineA === undefined ? null : perRow(baselineA.cpuSeconds, baselineA);
  const a = rate(baselineA);
  const b = rate(outcomes.find((o) => o.name === 'baseline-b'));
  return outcomes.map((o) => {
    const rowsPerSecond = rate(o);
    const clientMicrosPerRow = perRow(o.cpuSeconds, o);
    return {
      ...o,
      rowsPerSecond,
      clientMicrosPerRow,
      serverMicrosPerRow: perRow(o.serverCpuSeconds, o),
      cpuRatioToA: clientMicrosPerRow !== null && aCpu !== null ? aCpu / clientMicrosPerRow : null,
      parquetMBps:
        o.status === 'ok' && o.parquetBytes !== undefined && o.seconds > 0
          ? o.parquetBytes / 1e6 / o.seconds
          : null,
      ratioToA: rowsPerSecond !== null && a !== null ? rowsPerSecond / a : null,
      ratioToB: rowsPerSecond !== null && b !== null ? rowsPerSecond / b : null,
    };
  });
}

/**
 * Judges issue 6's and issue 13's targets on what was measured; what was not measured stays
 * `met: null`. `scdKeys` is the dimension table's size, for the SCD2 verdicts' labels.
 */
export function judgeTargets(
  measurements: readonly ReportedMeasurement[],
  rows: number,
  scdKeys = rows,
): TargetVerdict[] {
  const find = (name: MeasurementName): ReportedMeasurement | undefined =>
    measurements.find((m) => m.name === name);
  const missing = (m: ReportedMeasurement | undefined, name: string): string =>
    m === undefined ? `${name} not run` : `${name} ${m.status.replace('_', ' ')}: ${m.reason ?? ''}`.trim();
  const verdicts: TargetVerdict[] = [];

  const a = find('baseline-a');
  const one = find('sqlsync-static-1w');
  verdicts.push(
    one?.ratioToA != null
      ? {
          target: 'sqlsync end to end, 1 worker, vs baseline A',
          threshold: '>= 0.8x',
          measured: `${fixed(one.ratioToA, 2)}x by wall time (${one.cpuRatioToA === null ? '-' : fixed(one.cpuRatioToA, 2)}x by client CPU)`,
          met: one.ratioToA >= 0.8,
        }
      : {
          target: 'sqlsync end to end, 1 worker, vs baseline A',
          threshold: '>= 0.8x',
          measured: one?.rowsPerSecond == null ? missing(one, 'sqlsync-static-1w') : missing(a, 'baseline-a'),
          met: null,
        },
  );

  const two = find('sqlsync-partition-2w');
  const partitionOne = find('sqlsync-partition-1w');
  const reference = partitionOne?.rowsPerSecond != null ? partitionOne : one;
  verdicts.push(
    two?.rowsPerSecond != null && reference?.rowsPerSecond != null
      ? {
          target: `2 workers vs 1 worker (${reference.name})`,
          threshold: '>= 1.7x',
          measured: `${fixed(two.rowsPerSecond / reference.rowsPerSecond, 2)}x`,
          met: two.rowsPerSecond / reference.rowsPerSecond >= 1.7,
        }
      : {
          target: '2 workers vs 1 worker',
          threshold: '>= 1.7x',
          measured: missing(two, 'sqlsync-partition-2w'),
          met: null,
        },
  );

  const sqlsyncRuns = measurements.filter(
    (m) =>
      m.status === 'ok' &&
      !isScdMeasurement(m.name) &&
      (m.name.startsWith('sqlsync-') || partitionWorkers(m.name) !== undefined),
  );
  const peak = sqlsyncRuns.reduce((max, m) => Math.max(max, m.peakRssBytes), 0);
  verdicts.push({
    target: `peak RSS of sqlsync runs at ${rows.toLocaleString('en-US')} rows`,
    threshold: '<= 400 MB',
    measured: sqlsyncRuns.length === 0 ? 'no sqlsync run measured' : `${fixed(peak / 1e6, 0)} MB`,
    met: sqlsyncRuns.length === 0 ? null : peak <= 400e6,
  });

  const noChange = find('sqlsync-no-change');
  const partitionRuns = measurements.filter(
    (m) => partitionWorkers(m.name) !== undefined && m.status === 'ok',
  );
  const full = partitionRuns[partitionRuns.length - 1];
  verdicts.push(
    noChange?.status === 'ok' && full !== undefined
      ? {
          target: `no-change run vs full run (${full.name})`,
          threshold: '<= 2% of wall time, 0 rows',
          measured: `${fixed((noChange.seconds / full.seconds) * 100, 2)}%, ${noChange.rows} rows`,
          met: noChange.seconds / full.seconds <= 0.02 && noChange.rows === 0,
        }
      : {
          target: 'no-change run vs full run',
          threshold: '<= 2% of wall time, 0 rows',
          measured: missing(noChange, 'sqlsync-no-change'),
          met: null,
        },
  );

  const raw = find('emulator-raw');
  verdicts.push(
    raw?.ratioToA != null
      ? {
          target: 'emulator streaming (raw TDS reader) vs mssql decoding (baseline A)',
          threshold: '>= 2x',
          measured: `${fixed(raw.ratioToA, 2)}x by wall time`,
          met: raw.ratioToA >= 2,
        }
      : {
          target: 'emulator streaming (raw TDS reader) vs mssql decoding (baseline A)',
          threshold: '>= 2x',
          measured: raw?.rowsPerSecond == null ? missing(raw, 'emulator-raw') : missing(a, 'baseline-a'),
          met: null,
        },
  );

  const exact = find('decimal-exact');
  const double = find('decimal-double');
  verdicts.push(
    exact?.rowsPerSecond != null && double?.rowsPerSecond != null
      ? {
          target: 'exact decimal path vs double path (full row, extraction)',
          threshold: '>= 0.7x',
          measured: `${fixed(exact.rowsPerSecond / double.rowsPerSecond, 2)}x by wall time (${
            exact.clientMicrosPerRow === null || double.clientMicrosPerRow === null
              ? '-'
              : fixed(double.clientMicrosPerRow / exact.clientMicrosPerRow, 2)
          }x by client CPU)`,
          met: exact.rowsPerSecond / double.rowsPerSecond >= 0.7,
        }
      : {
          target: 'exact decimal path vs double path',
          threshold: '>= 0.7x',
          measured:
            exact?.rowsPerSecond == null
              ? missing(exact, 'decimal-exact')
              : missing(double, 'decimal-double'),
          met: null,
        },
  );
  verdicts.push(...judgeScdTargets(measurements, scdKeys));
  return verdicts;
}

/**
 * Issue 13's SCD2 targets: the incremental run (1 % of the keys changed) takes <= 10 % of the
 * initial load's wall time (the initial load primed for it when it was not measured itself), and
 * both runs peak at <= 400 MB RSS.
 */
function judgeScdTargets(measurements: readonly ReportedMeasurement[], scdKeys: number): TargetVerdict[] {
  const initial = measurements.find((m) => m.name === 'sqlsync-scd2-initial');
  const incremental = measurements.find((m) => m.name === 'sqlsync-scd2-incremental');
  if (initial === undefined && incremental === undefined) {
    return [];
  }
  const keys = scdKeys.toLocaleString('en-US');
  const priming = incremental?.details?.primingSeconds;
  const initialSeconds =
    initial?.status === 'ok' ? initial.seconds : typeof priming === 'number' ? priming : undefined;
  const ratio =
    incremental?.status === 'ok' && initialSeconds !== undefined && initialSeconds > 0
      ? incremental.seconds / initialSeconds
      : undefined;
  // What to say when there is no ratio: the incremental run's own trouble, else the initial's.
  const unmeasured =
    incremental?.status === 'ok'
      ? `sqlsync-scd2-initial ${initial === undefined ? 'not run' : `${initial.status.replace('_', ' ')}: ${initial.reason ?? ''}`}`
      : `sqlsync-scd2-incremental ${incremental === undefined ? 'not run' : `${incremental.status.replace('_', ' ')}: ${incremental.reason ?? ''}`}`;
  const runs = [initial, incremental].filter((m): m is ReportedMeasurement => m?.status === 'ok');
  const peak = runs.reduce((max, m) => Math.max(max, m.peakRssBytes), 0);
  return [
    {
      target: `SCD2 incremental run (1% of ${keys} keys changed) vs initial load`,
      threshold: '<= 10% of wall time',
      measured:
        ratio === undefined || incremental === undefined || initialSeconds === undefined
          ? unmeasured.trim()
          : `${fixed(ratio * 100, 2)}% (${fixed(incremental.seconds, 2)} s vs ${fixed(initialSeconds, 2)} s${initial?.status === 'ok' ? '' : ', the priming load'}), ${incremental.rows.toLocaleString('en-US')} rows read`,
      met: ratio === undefined ? null : ratio <= 0.1,
    },
    {
      target: `peak RSS of SCD2 runs at ${keys} keys`,
      threshold: '<= 400 MB',
      measured:
        runs.length === 0
          ? 'no SCD2 run measured'
          : runs
              .map((m) => `${m.name.replace('sqlsync-scd2-', '')} ${fixed(m.peakRssBytes / 1e6, 0)} MB`)
              .join(', '),
      met: runs.length === 0 ? null : peak <= 400e6,
    },
  ];
}

/** The results as a fixed-width text table, then the target verdicts. */
export function formatReport(
  measurements: readonly ReportedMeasurement[],
  targets: readonly TargetVerdict[],
): string {
  const header = [
    'measurement',
    'rows',
    'seconds',
    'rows/s',
    'Parquet MB/s',
    'peak RSS MB',
    'x A',
    'x B',
    'client µs/row',
    'server µs/row',
    'x A by CPU',
  ];
  const lines: string[][] = [header];
  const notes: string[] = [];
  for (const m of measurements) {
    if (m.status !== 'ok') {
      lines.push([
        `${m.name} (${m.status === 'not_available' ? 'not available' : 'FAILED'})`,
        ...header.slice(1).map(() => '-'),
      ]);
      notes.push(
        `${m.name}: ${m.status === 'not_available' ? 'not available' : 'FAILED'}: ${m.reason ?? ''}`,
      );
      continue;
    }
    lines.push([
      m.name,
      m.rows.toLocaleString('en-US'),
      fixed(m.seconds, 2),
      m.rowsPerSecond === null ? '-' : Math.round(m.rowsPerSecond).toLocaleString('en-US'),
      m.parquetMBps === null ? '-' : fixed(m.parquetMBps, 1),
      fixed(m.peakRssBytes / 1e6, 0),
      m.ratioToA === null ? '-' : fixed(m.ratioToA, 2),
      m.ratioToB === null ? '-' : fixed(m.ratioToB, 3),
      m.clientMicrosPerRow === null ? '-' : fixed(m.clientMicrosPerRow, 2),
      m.serverMicrosPerRow === null ? '-' : fixed(m.serverMicrosPerRow, 2),
      m.cpuRatioToA === null ? '-' : fixed(m.cpuRatioToA, 2),
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const text = lines.map((l) =>
    l
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const verdicts = targets.map(
    (t) =>
      `  [${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS'}] ${t.target}: ${t.measured} (target ${t.threshold})`,
  );
  return [
    ...text,
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
    'Targets (issues 6 and 13):',
    ...verdicts,
  ].join('\n');
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}
