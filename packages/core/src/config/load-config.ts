import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { SqlSyncError } from '../errors.js';
import { configInvalid, problemsFromZod } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { applyEnvOverrides } from './env-overrides.js';
import { configWarnings } from './not-supported-yet.js';
import { CONFIG_FILE_KEYS, type PipelineConfig, pipelineConfigSchema } from './pipeline-config.js';

/**
 * Validates a config document (the snake_case object a YAML or JSON file holds), applies the
 * `SQLSYNC_*` environment overrides, and returns the frozen camelCase config.
 *
 * Throws `SqlSyncError('CONFIG_INVALID')` listing every problem as `<source>: <path>: <message>`,
 * among them any field set to a value that is not supported yet. Fields accepted but inert (an ODBC
 * `driver`, …) are listed in the result's `warnings`.
 * `env` defaults to no overrides, so the result depends on the document alone.
 *
 * @example
 * const config = parseConfig({ database: { server: 'db', database: 'Sales', username: 'etl', password_file: '/run/secrets/db' } });
 * config.processing.batchSize; // 50000
 */
export function parseConfig(
  document: unknown,
  source = '<inline>',
  env: NodeJS.ProcessEnv = {},
): PipelineConfig {
  const applied = applyEnvOverrides(document, env);
  if (applied.problems.length > 0) {
    throw configInvalid(source, applied.problems);
  }
  const result = pipelineConfigSchema.safeParse(applied.document, { reportInput: true });
  if (!result.success) {
    throw configInvalid(source, problemsFromZod(result.error.issues, CONFIG_FILE_KEYS), result.error);
  }
  return deepFreeze({ ...result.data, warnings: configWarnings(applied.document) });
}

/**
 * Reads a config file — JSON for `.json`, otherwise YAML (which also reads JSON) — applies the
 * `SQLSYNC_*` environment variables (they win over the file) and validates it.
 *
 * Throws `SqlSyncError` with code `CONFIG_NOT_FOUND` when the file does not exist, and
 * `CONFIG_INVALID` for a syntax error (with its line) or any invalid field (with its path).
 *
 * @example
 * const config = await loadConfig('sqlsync.yaml'); // SQLSYNC_PASSWORD from the environment
 */
export async function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SqlSyncError('CONFIG_NOT_FOUND', `${file}: config file not found`, {
        context: { file },
        cause: error,
      });
    }
    throw new SqlSyncError(
      'CONFIG_INVALID',
      `${file}: cannot read config file: ${(error as Error).message}`,
      {
        context: { file },
        cause: error,
      },
    );
  }
  return parseConfig(parseText(file, text), file, env);
}

function parseText(file: string, text: string): unknown {
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message)?.[1];
      const where = position === undefined ? '' : ` (line ${lineOf(text, Number(position))})`;
      throw configInvalid(file, [{ path: '', message: `invalid JSON${where}: ${message}` }], error);
    }
  }
  // uniqueKeys (the default) makes a repeated key an error rather than a silent last-one-wins.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = document.errors[0];
  if (error !== undefined) {
    const where = ` (line ${lineCounter.linePos(error.pos[0]).line})`;
    throw configInvalid(file, [{ path: '', message: `invalid YAML${where}: ${error.message}` }], error);
  }
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}

function lineOf(text: string, position: number): number {
  return text.slice(0, position).split('\n').length;
}
