import { toSqlSyncError } from '@sync/core';
import type { Pipeline, RunOptions } from '../pipeline.js';
import { statusText } from './status-text.js';

/** The parsed command line of `sqlsync validate` and `sqlsync status`, with the pipeline built from the config. */
export interface OpsArgs {
  readonly command: 'validate' | 'status';
  readonly pipeline: Pipeline;
  /** `--table` / `--type`. */
  readonly selection: RunOptions;
  readonly configFile: string;
  /** `validate --offline`: check the config file only, without connecting. */
  readonly offline: boolean;
  /** stdout is a terminal: `status` prints a table for people instead of JSON. */
  readonly stdoutIsTTY: boolean;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/**
 * Runs `sqlsync validate` or `sqlsync status` and says how it ended: `ok` (exit 0), `failed`
 * (exit 1: a table is invalid, the database is unreachable, or a state file is damaged) or
 * `usage` (exit 2: an unknown `--table`).
 *
 * @example
 * const outcome = await opsCommand({ command: 'status', pipeline, selection: {}, configFile, offline: false, stdoutIsTTY: false, stdout, stderr });
 */
export async function opsCommand(args: OpsArgs): Promise<'ok' | 'failed' | 'usage'> {
  const { pipeline, selection, stdout, stderr } = args;
  let tables: number;
  try {
    tables = pipeline.selectTables(selection).length;
  } catch (error) {
    stderr(`sqlsync ${args.command}: ${toSqlSyncError(error).message}`);
    return 'usage';
  }
  if (args.command === 'validate') {
    if (args.offline) {
      stdout(JSON.stringify({ status: 'ok', config: args.configFile, offline: true, total_tables: tables }));
      return 'ok';
    }
    const report = await pipeline.validateAllTables(selection);
    for (const table of report.tables) {
      for (const problem of table.problems) {
        stderr(`sqlsync validate: ${problem}`);
      }
    }
    if (report.error !== undefined) {
      stderr(
        `sqlsync validate: cannot reach the database: ${report.error.message} (validate --offline checks the config file only)`,
      );
    }
    stdout(JSON.stringify({ ...report, config: args.configFile }));
    return report.status === 'ok' ? 'ok' : 'failed';
  }
  const status = await pipeline.getPipelineStatus(selection);
  stdout(args.stdoutIsTTY ? statusText(status) : JSON.stringify(status));
  const healthy =
    status.database_connected &&
    status.tables.every((t) => (t.state === 'ok' || t.state === 'missing') && t.error === undefined);
  return healthy ? 'ok' : 'failed';
}
