import { legacyBoundaryMatches, type PartitionSpec } from '@sync/extract-mssql';
import type { PartitionFingerprint } from './partition-fingerprint.js';
import { directoryValue } from './partition-layout.js';
import type { PartitionRecord } from './partition-plan.js';
import type { PartitionRelabel } from './partition-relabel.js';
import type { PartitionTableState } from './partition-table-state.js';

type SchemeSpec = Extract<PartitionSpec, { mode: 'scheme' }>;

/** What moving a state from numbered scheme labels to boundary labels takes. */
export interface LabelMigration {
  /** The state in boundary labels, fingerprints with exact boundary texts: plan from this one. */
  readonly state: PartitionTableState;
  /** Lake directories to rename (published together, before the run's partitions). */
  readonly renames: readonly PartitionRelabel[];
  /** Numbered partitions whose lower boundary is gone from the function: their directories are removed. */
  readonly dropped: readonly PartitionRecord[];
}

/**
 * Whether a partition table's state labels scheme partitions by number (`00001`, …), as states
 * written before boundary labels do.
 *
 * @example
 * isNumberedSchemeState(state) // true for { mode: 'scheme', partitions: [{ value: '00001', … }] } without `labels`
 */
export function isNumberedSchemeState(state: PartitionTableState): boolean {
  return state.mode === 'scheme' && state.labels !== 'lower-boundary';
}

/**
 * A recorded boundary as the exact text the source gives now, when it is one of the scheme's
 * boundaries in an older form (see `legacyBoundaryMatches`); otherwise unchanged (it then differs,
 * and the partition is re-read).
 */
function exactBoundary(recorded: string | null, spec: SchemeSpec): string | null {
  if (recorded === null) {
    return null;
  }
  const type = spec.scheme.parameterType.name;
  return (
    spec.scheme.boundaries.find((b) => b === recorded || legacyBoundaryMatches(recorded, b, type)) ?? recorded
  );
}

/**
 * A fingerprint whose boundaries are rewritten to the exact texts the scheme has now, where they
 * are the same boundaries recorded in the older form.
 *
 * @example
 * exactBoundaries({ rowCount: '5', lowerBoundary: '2024-02-01T00:00:00.000Z' }, spec) // { rowCount: '5', lowerBoundary: '2024-02-01' }
 */
export function exactBoundaries(
  fingerprint: PartitionFingerprint,
  spec: PartitionSpec,
): PartitionFingerprint {
  if (spec.mode !== 'scheme') {
    return fingerprint;
  }
  return {
    ...fingerprint,
    ...('lowerBoundary' in fingerprint
      ? { lowerBoundary: exactBoundary(fingerprint.lowerBoundary ?? null, spec) }
      : {}),
    ...('upperBoundary' in fingerprint
      ? { upperBoundary: exactBoundary(fingerprint.upperBoundary ?? null, spec) }
      : {}),
  };
}

/**
 * Moves a state with numbered scheme labels to boundary labels without reading anything: each
 * numbered partition is known by the lower boundary its fingerprint recorded (or the state's
 * boundary list), and takes the label of that boundary when the function still has it — the
 * first partition (no lower boundary) takes `null`. Its fingerprint keeps its figures, with the
 * boundaries rewritten to the exact texts, so a partition whose range and rows are unchanged is
 * not re-read; one whose upper boundary moved meanwhile is. A numbered partition whose lower
 * boundary is gone (MERGE RANGE between the last numbered run and this one) is dropped: its
 * directory is removed and its rows read where they lie now. Pure; `undefined` when there is
 * nothing to migrate (boundary labels already, or no source scheme now: the layout change
 * handles it).
 *
 * @example
 * migrateNumberedLabels(state, spec)?.renames // [{ from: '00001', to: null }, { from: '00002', to: '2024-02-01' }]
 */
export function migrateNumberedLabels(
  state: PartitionTableState,
  spec: PartitionSpec,
): LabelMigration | undefined {
  if (!isNumberedSchemeState(state) || spec.mode !== 'scheme') {
    return undefined;
  }
  const renames: PartitionRelabel[] = [];
  const dropped: PartitionRecord[] = [];
  const partitions: PartitionRecord[] = [];
  for (const record of state.partitions) {
    const n = Number(record.value);
    const lower =
      'lowerBoundary' in record.fingerprint
        ? (record.fingerprint.lowerBoundary ?? null)
        : n > 1
          ? (state.boundaries?.[n - 2] ?? undefined)
          : null;
    const exact = lower === undefined ? undefined : exactBoundary(lower, spec);
    if (
      record.value === null ||
      exact === undefined ||
      (exact !== null && !spec.scheme.boundaries.includes(exact))
    ) {
      dropped.push(record);
      continue;
    }
    const label = directoryValue(spec, exact);
    if (label !== record.value) {
      renames.push({ from: record.value, to: label });
    }
    partitions.push({ value: label, fingerprint: exactBoundaries(record.fingerprint, spec) });
  }
  return {
    state: {
      ...state,
      labels: 'lower-boundary',
      ...(state.boundaries === undefined
        ? {}
        : { boundaries: state.boundaries.map((b) => exactBoundary(b, spec)) }),
      partitions,
    },
    renames,
    dropped,
  };
}
