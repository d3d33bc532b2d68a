import type { PipelineStatus } from './pipeline-status.js';

/**
 * `sqlsync status` for a person at a terminal: one line for the database, one per table. (Not a
 * terminal: the JSON of `PipelineStatus`.)
 *
 * @example
 * statusText(status)
 * // database: connected
 * // table          kind       state    last run            age      lake rows
 * // sales.Orders   partition  ok       20260101T000000Z…   2h 5m    5000000
 */
export function statusText(status: PipelineStatus): string {
  const lines = [
    `pipeline: ${status.pipeline_name}   lake: ${status.lake_root}   state: ${status.state_directory}`,
    `database: ${status.database_connected ? 'connected' : `NOT reachable: ${status.database_error ?? ''}`}`,
  ];
  const rows = [
    ['table', 'kind', 'state', 'last run', 'age', 'lake rows'],
    ...status.tables.map((t) => [
      t.table,
      t.kind,
      t.state,
      t.last_run_id ?? '-',
      t.age_seconds === undefined ? '-' : age(t.age_seconds),
      t.lake_rows === undefined ? '-' : String(t.lake_rows),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  lines.push(
    ...rows.map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
  );
  for (const t of status.tables.filter((t) => t.error !== undefined)) {
    lines.push(`${t.table}: ${t.error}`);
  }
  return lines.join('\n');
}

/** `42s`, `7m 3s`, `2h 5m`, `3d 4h`. */
function age(seconds: number): string {
  if (seconds < 60) {
    return `${seconds}s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  }
  if (seconds < 86_400) {
    return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  }
  return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h`;
}
