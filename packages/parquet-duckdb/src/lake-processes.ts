import { unlinkSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processRuns } from '@sync/core';
import { writeFileDurably } from './durable-fs.js';
import type { LakeLayout } from './lake-layout.js';

/** One sqlsync process that has used the lake: `<lake>/_sqlsync/processes/<host>.<pid>.json`. */
export interface LakeProcess {
  readonly host: string;
  readonly pid: number;
  /** ISO instant the process started (not when it registered). */
  readonly startedAt: string;
}

/** Records this process wrote; one exit hook removes them all. */
const registered = new Set<string>();

/** How long a record of another host's process counts as live (its pid cannot be checked from here). */
const OTHER_HOST_LIVE_MS = 24 * 60 * 60 * 1000;

/**
 * The sqlsync processes that may still be writing to a lake, as recovery needs to know before it
 * removes a run's staging, versions or journals: a concurrent run (another Airflow try) owns
 * those. Each process records itself (host, pid, start) when it recovers the lake at startup.
 * A record on this host is live while its pid runs (a reused pid errs on the side of keeping
 * files); another host's record is live for 24 h (its pid cannot be checked), then removed. Dead
 * records are removed as they are found.
 *
 * A run belongs to a process that started before the run's id was made (run ids begin with their
 * start time, `20261125T120000123Z-…`; older ones to the second), so a run is "maybe live" when a live process other than this
 * one started no later than the run's time; ids without a time are maybe live while any other
 * process is. The per-table lock (`state.lock_timeout_seconds`) is what keeps two runs from
 * publishing one table; this only keeps recovery from deleting a live run's files.
 *
 * @example
 * const processes = await LakeProcesses.register(new LakeLayout('/data/lake'));
 * processes.mayOwnRun('20261125T120000Z-a1b2c3'); // false when no other sqlsync uses the lake
 */
export class LakeProcesses {
  readonly #others: readonly LakeProcess[];

  private constructor(others: readonly LakeProcess[]) {
    this.#others = others;
  }

  /** Records this process in the lake, reads the others and removes the dead ones' records. */
  static async register(layout: LakeLayout, now: Date = new Date()): Promise<LakeProcesses> {
    const dir = layout.sqlsyncDir('processes');
    await mkdir(dir, { recursive: true });
    const self: LakeProcess = {
      host: hostname(),
      pid: process.pid,
      startedAt: new Date(now.getTime() - process.uptime() * 1000).toISOString(),
    };
    const own = join(dir, recordName(self.host, self.pid));
    await writeFileDurably(own, `${JSON.stringify(self)}\n`);
    if (registered.size === 0) {
      // A process that exits (even with an error) takes its records along, so a failed run leaves
      // the lake as it found it; a killed one's record is removed by the next recovery. One
      // listener for every lake this process used (a library user may open many).
      process.once('exit', () => {
        for (const record of registered) {
          try {
            unlinkSync(record);
          } catch {
            // Already gone, or the lake is unwritable now: the next recovery removes it.
          }
        }
      });
    }
    registered.add(own);
    const others: LakeProcess[] = [];
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.json') || name.startsWith('.') || name === recordName(self.host, self.pid)) {
        continue;
      }
      const file = join(dir, name);
      const record = await readRecord(file);
      const live =
        record !== undefined &&
        (record.host === self.host
          ? processRuns(record.pid)
          : now.getTime() - (await stat(file)).mtimeMs < OTHER_HOST_LIVE_MS);
      if (live && record !== undefined) {
        others.push(record);
      } else {
        await rm(file, { force: true });
      }
    }
    return new LakeProcesses(others);
  }

  /** Whether another live process may be `host:pid` (a journal's owner). */
  isLive(host: string, pid: number): boolean {
    return this.#others.some((p) => p.host === host && p.pid === pid);
  }

  /** Whether any other sqlsync process may be using the lake now. */
  anyOther(): boolean {
    return this.#others.length > 0;
  }

  /** Whether a live process other than this one may own the run (see the class). */
  mayOwnRun(runId: string): boolean {
    const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z-/.exec(runId);
    if (match === null) {
      return this.anyOther();
    }
    const [, y, mo, d, h, mi, s, ms = '000'] = match;
    const runAt = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
    // A process's start is estimated from its uptime, and older run ids keep whole seconds: one
    // started up to a second after the run's time may own it.
    return this.#others.some((p) => Date.parse(p.startedAt) <= runAt + 1000);
  }
}

function recordName(host: string, pid: number): string {
  return `${encodeURIComponent(host)}.${pid}.json`;
}

async function readRecord(file: string): Promise<LakeProcess | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LakeProcess>;
    if (
      typeof parsed.host === 'string' &&
      typeof parsed.pid === 'number' &&
      typeof parsed.startedAt === 'string'
    ) {
      return { host: parsed.host, pid: parsed.pid, startedAt: parsed.startedAt };
    }
  } catch {
    // An unreadable record (a crash while writing it is impossible: it is written by rename) is dropped.
  }
  return undefined;
}
