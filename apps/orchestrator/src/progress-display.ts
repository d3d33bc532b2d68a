import type { Logger, LoggerOptions, PipelineConfig } from '@sync/core';
import type { RunProgressEvent } from './run-progress.js';

/** Where the display draws: stderr when it is a terminal. */
export interface ProgressTerminal {
  write(text: string): void;
  /** Terminal width; lines are cut to fit so that a redraw knows how many lines to erase. Defaults to 100 (also for 0). */
  readonly columns?: number | undefined;
}

/** Levels below WARNING, which a run with the progress display does not log (see `startProgress`). */
const CHATTY = new Set(['TRACE', 'DEBUG', 'INFO']);

/** The running tables shown under the totals line, at most. */
const TABLE_LINES = 4;

interface TableProgress {
  readonly units: number;
  done: number;
  finished: boolean;
}

/**
 * A live progress display for `sqlsync run` on a terminal: a totals line (tables, units done/total,
 * rows, rows/s, ETA) and one line per running table, redrawn in place at most every `intervalMs`.
 * Rows are counted when a unit has staged them; the ETA assumes the remaining units take as long
 * as the finished ones did on average.
 *
 * @example
 * const display = new ProgressDisplay({ write: (t) => process.stderr.write(t), columns: process.stderr.columns });
 * await pipeline.run({ onProgress: (e) => display.update(e) });
 * display.stop();
 */
export class ProgressDisplay {
  readonly #terminal: ProgressTerminal;
  readonly #now: () => number;
  readonly #tables = new Map<string, TableProgress>();
  #failed = 0;
  #rows = 0;
  #started: number | undefined;
  #drawn = 0;
  #dirty = false;
  readonly #timer: NodeJS.Timeout;

  constructor(terminal: ProgressTerminal, options: { now?: () => number; intervalMs?: number } = {}) {
    this.#terminal = terminal;
    this.#now = options.now ?? (() => performance.now());
    this.#timer = setInterval(() => this.#redrawIfDirty(), options.intervalMs ?? 250);
    this.#timer.unref();
  }

  /** Takes one event of the run (`RunOptions.onProgress`); the screen follows at the next tick. */
  update(event: RunProgressEvent): void {
    this.#started ??= this.#now();
    if (event.type === 'planned') {
      this.#tables.set(event.table, { units: event.units, done: 0, finished: false });
    } else if (event.type === 'unit') {
      const table = this.#tables.get(event.table);
      if (table !== undefined) {
        table.done++;
      }
      this.#rows += event.rows;
    } else {
      const table = this.#tables.get(event.table);
      if (table !== undefined) {
        table.finished = true;
      }
      this.#failed += event.status === 'failed' ? 1 : 0;
    }
    this.#dirty = true;
  }

  /** The lines the display shows now (without the escape codes that redraw them). */
  lines(): string[] {
    const tables = [...this.#tables.values()];
    const total = tables.reduce((n, t) => n + t.units, 0);
    const done = tables.reduce((n, t) => n + t.done, 0);
    const seconds = this.#started === undefined ? 0 : (this.#now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.#rows / seconds : 0;
    const eta = done > 0 && done < total ? ((total - done) * seconds) / done : undefined;
    const finished = tables.filter((t) => t.finished).length;
    const head = [
      `tables ${finished}/${tables.length} done${this.#failed > 0 ? ` (${this.#failed} failed)` : ''}`,
      `units ${done}/${total}`,
      `${this.#rows.toLocaleString('en-US')} rows`,
      `${Math.round(rate).toLocaleString('en-US')} rows/s`,
      ...(eta === undefined ? [] : [`ETA ${duration(eta)}`]),
    ].join(' | ');
    const running = [...this.#tables.entries()]
      .filter(([, t]) => !t.finished)
      .slice(0, TABLE_LINES)
      .map(([id, t]) => `  ${id}: ${t.done}/${t.units} units`);
    return [`sqlsync: ${head}`, ...running];
  }

  /**
   * A log destination that keeps log lines readable: it erases the display, writes the line, and
   * draws the display again below it.
   */
  logStream(): { write(line: string): void } {
    return {
      write: (line: string) => {
        this.#erase();
        this.#terminal.write(line.endsWith('\n') ? line : `${line}\n`);
        this.#draw();
      },
    };
  }

  /** Stops redrawing and leaves the last state on screen. */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#started !== undefined) {
      this.#erase();
      this.#draw();
    }
  }

  #redrawIfDirty(): void {
    if (this.#dirty) {
      this.#erase();
      this.#draw();
    }
  }

  #draw(): void {
    if (this.#started === undefined) {
      return;
    }
    // A pseudo-terminal may report 0 columns: then the default.
    const columns = this.#terminal.columns ?? 0;
    const width = Math.max(20, (columns > 0 ? columns : 100) - 1);
    const lines = this.lines().map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    this.#terminal.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
    this.#dirty = false;
  }

  #erase(): void {
    if (this.#drawn > 0) {
      // Cursor up over the lines drawn, to column 0, and erase to the end of the screen.
      this.#terminal.write(`\x1b[${this.#drawn}A\r\x1b[J`);
      this.#drawn = 0;
    }
  }
}

/** What `startProgress` sets up for a run on a terminal. */
export interface RunProgress {
  /** The config for the run: log level raised to WARNING (worker threads log at it too). */
  readonly config: PipelineConfig;
  /** The run's logger, writing through the display. */
  readonly logger: Logger;
  readonly display: ProgressDisplay;
}

/**
 * Starts the progress display when stderr is a terminal (`terminal` given) and `--no-progress`
 * was not given; `undefined` otherwise (Airflow, pipes, files: plain JSON log lines only). With
 * the display on, logs below WARNING are not written (to stderr nor `log_file`), so the display
 * stays readable; warnings and errors are still written, as JSON lines above it.
 *
 * @example
 * const progress = startProgress({ terminal, disabled: false, config, createLogger });
 */
export function startProgress(options: {
  readonly terminal: ProgressTerminal | undefined;
  readonly disabled: boolean;
  readonly config: PipelineConfig;
  readonly createLogger: (options: LoggerOptions) => Logger;
}): RunProgress | undefined {
  const { terminal, config } = options;
  if (terminal === undefined || options.disabled) {
    return undefined;
  }
  const display = new ProgressDisplay(terminal);
  const level = CHATTY.has(config.logLevel) ? 'WARNING' : config.logLevel;
  const logger = options.createLogger({
    level,
    destination: display.logStream(),
    ...(config.logFile === undefined ? {} : { file: config.logFile }),
  });
  return { config: { ...config, logLevel: level }, logger, display };
}

/** `42s`, `3m 5s`, `1h 2m`. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${s % 60}s`;
  }
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
