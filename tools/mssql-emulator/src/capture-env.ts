/**
 * When this environment variable names a directory, every statement a TDS client sends (SQL
 * batches and sp_executesql's @stmt; not `Emulator.exec()` seeding) is appended to
 * `<dir>/<pid>.jsonl` as one JSON line `{ "kind": "batch" | "rpc", "sql": "…" }`. Workers and
 * child processes inherit it, so one directory collects a whole test run.
 */
export const CAPTURE_ENV = 'SQLSYNC_CAPTURE_STATEMENTS';
