import { pino } from 'pino';
import { SqlSyncError } from './errors.js';

/** The logger every sqlsync package takes as a parameter: pino's. */
export type Logger = pino.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** A config level (`TRACE`, `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`) or a pino level, any case. Defaults to `INFO`. */
  readonly level?: string;
  /** Logged as `name` on every line. Defaults to `sqlsync`. */
  readonly name?: string;
  /** A stream, or a file descriptor written synchronously. Defaults to 2 (stderr): stdout is kept for the run summary. */
  readonly destination?: pino.DestinationStream | number;
  /** Also append every line to this file (the config's `log_file`); its directory is created. */
  readonly file?: string;
}

const LEVELS: Readonly<Record<string, pino.LevelWithSilent>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
  silent: 'silent',
  off: 'silent',
};

/**
 * Paths pino censors by position. Keys that merely look secret (`apiToken`, `client_secret`) are
 * caught anywhere in a line by {@link scrubSecrets}, which fast-redact paths cannot express.
 */
const REDACT_PATHS = [
  'password',
  '*.password',
  'database.password',
  'config.database.password',
  'connectionString',
  '*.connectionString',
];

const SECRET_KEY = /password|passwd|pwd|secret|token|connectionstring|credential|api_?key/i;
const CENSOR = '***';

/**
 * Turns a config log level into pino's.
 *
 * @example
 * pinoLevel('WARNING'); // 'warn'
 * pinoLevel('CRITICAL'); // 'fatal'
 */
export function pinoLevel(level: string): pino.LevelWithSilent {
  const mapped = LEVELS[level.trim().toLowerCase()];
  if (mapped === undefined) {
    throw new SqlSyncError(
      'USAGE',
      `unknown log level ${JSON.stringify(level)}; use one of ${Object.keys(LEVELS).join(', ')}`,
    );
  }
  return mapped;
}

/**
 * A pino logger writing JSON lines, with passwords, connection strings and secret- or token-named
 * keys replaced by `***` wherever they appear in the logged object or child bindings.
 *
 * @example
 * const logger = createLogger({ level: config.logLevel, file: config.logFile });
 * logger.info({ table: 'sales.Orders', rows: 1200 }, 'unit done');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = toStream(options.destination ?? 2);
  const stream =
    options.file === undefined
      ? destination
      : pino.multistream([
          { stream: destination },
          { stream: pino.destination({ dest: options.file, mkdir: true, sync: true }) },
        ]);
  return pino(
    {
      name: options.name ?? 'sqlsync',
      level: pinoLevel(options.level ?? 'INFO'),
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrubSecrets(bindings),
        log: (object) => scrubSecrets(object),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

function toStream(destination: pino.DestinationStream | number): pino.DestinationStream {
  // Synchronous for file descriptors: a CLI that exits (or crashes) right after logging keeps its last lines.
  return typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination;
}

/** A copy of `value` with the value of every secret-looking key censored, at any depth. */
function scrubSecrets(value: Record<string, unknown>): Record<string, unknown> {
  return scrub(value, new WeakSet()) as Record<string, unknown>;
}

function scrub(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) {
    return value;
  }
  seen.add(value);
  if (Array.isArray(value)) {
    return value.map((item) => scrub(item, seen));
  }
  if (value instanceof Error || Object.getPrototypeOf(value) !== Object.prototype) {
    // Errors and class instances keep their identity so pino's serializers still see them.
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && child !== undefined && child !== null ? CENSOR : scrub(child, seen);
  }
  return out;
}
