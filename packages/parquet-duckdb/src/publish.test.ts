import { existsSync, readdirSync } from 'node:fs';
import {
  access,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapePathSegment, LakeLayout } from './lake-layout.js';
import { publishPartition, publishTable } from './publish.js';
import { writeJournal } from './publish-journal.js';
import { recoverJournals, recoverLake } from './recover-journals.js';
import { linkTree, pointTableAt } from './table-version.js';

let lake: LakeLayout;

beforeEach(async () => {
  lake = new LakeLayout(await mkdtemp(join(tmpdir(), 'lake-')));
});

afterEach(async () => {
  await rm(lake.root, { recursive: true, force: true });
});

/** Writes `files` (name → content) into `dir`, creating it. */
async function fill(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

/** `dir`'s files (recursively, relative) with their content; `undefined` when `dir` does not exist. */
async function contents(dir: string): Promise<Record<string, string> | undefined> {
  try {
    await access(dir);
  } catch {
    return undefined;
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const result: Record<string, string> = {};
  for (const entry of entries) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      result[path.slice(dir.length + 1)] = await readFile(path, 'utf8');
    }
  }
  return result;
}

async function sqlsyncLeftovers(): Promise<string[]> {
  const journal = (await readdir(lake.journalDir()).catch(() => [])) as string[];
  const backup = (await readdir(join(lake.root, '_sqlsync', 'backup'), { recursive: true }).catch(
    () => [],
  )) as string[];
  return [...journal, ...backup.filter((p) => p.endsWith('.parquet'))];
}

describe('publishTable', () => {
  it('creates a new table directory from staging', async () => {
    const target = lake.tableDir('sales', 'orders');
    await fill(lake.staged('r1', target), { 'part-r1-0.parquet': 'new' });
    const result = await publishTable({
      lakeRoot: lake.root,
      runId: 'r1',
      targetSchema: 'sales',
      targetTable: 'orders',
    });
    expect(result).toEqual({ target, replacedExisting: false, cleanedUp: true });
    expect(await contents(target)).toEqual({ 'part-r1-0.parquet': 'new' });
    expect(await contents(lake.staged('r1', target))).toBeUndefined();
    expect(await sqlsyncLeftovers()).toEqual([]);
  });

  it('replaces every file of an existing table, partitions included', async () => {
    const target = lake.tableDir('sales', 'orders');
    await fill(target, { 'm=1/part-r0-0.parquet': 'old1', 'm=2/part-r0-0.parquet': 'old2' });
    await fill(lake.staged('r1', target), { 'm=2/part-r1-0.parquet': 'new2' });
    const result = await publishTable({
      lakeRoot: lake.root,
      runId: 'r1',
      targetSchema: 'sales',
      targetTable: 'orders',
    });
    expect(result.replacedExisting).toBe(true);
    expect(await contents(target)).toEqual({ 'm=2/part-r1-0.parquet': 'new2' });
    expect(await sqlsyncLeftovers()).toEqual([]);
  });

  it('refuses when nothing is staged', async () => {
    await expect(
      publishTable({ lakeRoot: lake.root, runId: 'r1', targetSchema: 'sales', targetTable: 'orders' }),
    ).rejects.toMatchObject({ code: 'PUBLISH' });
  });
});

describe('publishPartition', () => {
  it('replaces one partition and leaves the others alone', async () => {
    const table = lake.tableDir('sales', 'orders');
    await fill(table, { 'month=2024-01/part-r0-0.parquet': 'jan', 'month=2024-02/part-r0-0.parquet': 'feb' });
    const partition = lake.partitionDir('sales', 'orders', 'month', '2024-02');
    await fill(lake.staged('r1', partition), {
      'part-r1-0.parquet': 'feb-new',
      'part-r1-1.parquet': 'feb-new-1',
    });
    await publishPartition({
      lakeRoot: lake.root,
      runId: 'r1',
      targetSchema: 'sales',
      targetTable: 'orders',
      column: 'month',
      value: '2024-02',
    });
    expect(await contents(table)).toEqual({
      'month=2024-01/part-r0-0.parquet': 'jan',
      'month=2024-02/part-r1-0.parquet': 'feb-new',
      'month=2024-02/part-r1-1.parquet': 'feb-new-1',
    });
    expect(await sqlsyncLeftovers()).toEqual([]);
  });
});

/** Writes a version 1 journal (the two-rename publish of earlier releases) by hand. */
async function writeV1Journal(runId: string, target: string, staged: string, backup: string): Promise<void> {
  await mkdir(lake.journalDir(), { recursive: true });
  const rel = (p: string): string => relative(lake.root, p);
  await writeFile(
    lake.journalFile(runId, target),
    JSON.stringify({
      version: 1,
      runId,
      target: rel(target),
      staged: rel(staged),
      backup: rel(backup),
      createdAt: new Date().toISOString(),
    }),
  );
}

describe('recoverJournals: version 1 journals (two renames)', () => {
  /** Leaves the lake as a crash would at a given step of an old-style publish of `sales.orders` in run r2. */
  async function crashDuringPublish(
    step: 'journal' | 'moved-aside' | 'moved-in' | 'backup-deleted',
  ): Promise<string> {
    const target = lake.tableDir('sales', 'orders');
    const staged = lake.staged('r2', target);
    const backup = lake.backup('r2', target);
    await fill(target, { 'part-r1-0.parquet': 'old' });
    await fill(staged, { 'part-r2-0.parquet': 'new' });
    await writeV1Journal('r2', target, staged, backup);
    if (step === 'journal') {
      return target;
    }
    await mkdir(join(backup, '..'), { recursive: true });
    await rename(target, backup);
    if (step === 'moved-aside') {
      return target;
    }
    await rename(staged, target);
    if (step === 'backup-deleted') {
      await rm(backup, { recursive: true });
    }
    return target;
  }

  it('rolls back a crash between moving the table aside and moving the new one in', async () => {
    const target = await crashDuringPublish('moved-aside');
    expect(await contents(target)).toBeUndefined();
    const recovered = await recoverJournals(lake.root);
    expect(recovered).toEqual([expect.objectContaining({ runId: 'r2', target, outcome: 'rolled-back' })]);
    expect(await contents(target)).toEqual({ 'part-r1-0.parquet': 'old' });
    expect(await sqlsyncLeftovers()).toEqual([]);
    // The killed run's staging is gone with it (no plan of r2 is saved: nothing will retry it).
    expect(await contents(lake.stagingRunDir('r2'))).toBeUndefined();
  });

  it('rolls back a crash right after the journal was written (nothing moved)', async () => {
    const target = await crashDuringPublish('journal');
    expect(await recoverJournals(lake.root)).toEqual([expect.objectContaining({ outcome: 'rolled-back' })]);
    expect(await contents(target)).toEqual({ 'part-r1-0.parquet': 'old' });
    expect(await sqlsyncLeftovers()).toEqual([]);
  });

  it('completes a crash after the new version was moved in', async () => {
    const target = await crashDuringPublish('moved-in');
    expect(await recoverJournals(lake.root)).toEqual([expect.objectContaining({ outcome: 'completed' })]);
    expect(await contents(target)).toEqual({ 'part-r2-0.parquet': 'new' });
    expect(await contents(lake.backup('r2', target))).toBeUndefined();
    expect(await sqlsyncLeftovers()).toEqual([]);
  });

  it('completes a crash after the backup was deleted but not the journal', async () => {
    const target = await crashDuringPublish('backup-deleted');
    expect(await recoverJournals(lake.root)).toEqual([expect.objectContaining({ outcome: 'completed' })]);
    expect(await contents(target)).toEqual({ 'part-r2-0.parquet': 'new' });
    expect(await sqlsyncLeftovers()).toEqual([]);
  });

  it('makes a publish with an unrecovered journal refuse instead of guessing', async () => {
    await crashDuringPublish('journal');
    await expect(
      publishTable({ lakeRoot: lake.root, runId: 'r2', targetSchema: 'sales', targetTable: 'orders' }),
    ).rejects.toMatchObject({ code: 'PUBLISH' });
  });

  it('returns nothing for a lake without journals', async () => {
    expect(await recoverJournals(lake.root)).toEqual([]);
  });
});

describe('versioned tables', () => {
  const table = (): string => lake.tableDir('sales', 'orders');
  const partition = (month: string): string => lake.partitionDir('sales', 'orders', 'month', month);

  async function publishMonth(runId: string, month: string, content: string): Promise<void> {
    await fill(lake.staged(runId, partition(month)), { [`part-${runId}-0.parquet`]: content });
    await publishPartition({
      lakeRoot: lake.root,
      runId,
      targetSchema: 'sales',
      targetTable: 'orders',
      column: 'month',
      value: month,
    });
  }

  it('makes the table a symlink to an immutable version; unchanged files are shared by hard link', async () => {
    await publishMonth('r1', '2024-01', 'jan');
    await publishMonth('r1', '2024-02', 'feb');
    const before = await stat(join(partition('2024-01'), 'part-r1-0.parquet'));
    await publishMonth('r2', '2024-02', 'feb2');
    expect((await lstat(table())).isSymbolicLink()).toBe(true);
    expect(await readlink(table())).toMatch(/^\.\.\/_sqlsync\/versions\/sales\/orders\/r2-[0-9a-f]{8}$/);
    expect(await contents(table())).toEqual({
      'month=2024-01/part-r1-0.parquet': 'jan',
      'month=2024-02/part-r2-0.parquet': 'feb2',
    });
    const after = await stat(join(partition('2024-01'), 'part-r1-0.parquet'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    // Only the current version is kept; staging is gone.
    expect(await readdir(lake.versionsDir(table()))).toHaveLength(1);
    expect(await contents(lake.stagingRunDir('r2'))).toEqual({});
    expect(await sqlsyncLeftovers()).toEqual([]);
  });

  it('turns a real table directory (written before versioning) into a version on its first publish', async () => {
    await fill(table(), {
      'month=2024-01/part-r0-0.parquet': 'jan',
      'month=2024-02/part-r0-0.parquet': 'feb',
    });
    await publishMonth('r1', '2024-02', 'feb1');
    expect((await lstat(table())).isSymbolicLink()).toBe(true);
    expect(await contents(table())).toEqual({
      'month=2024-01/part-r0-0.parquet': 'jan',
      'month=2024-02/part-r1-0.parquet': 'feb1',
    });
    expect(await contents(join(lake.root, '_sqlsync', 'backup'))).toEqual({});
  });

  it('never leaves a partition missing for a reader polling while it is republished', async () => {
    await publishMonth('r0', '2024-01', 'jan');
    let polls = 0;
    let missing = 0;
    let done = false;
    const poll = (): void => {
      if (done) {
        return;
      }
      polls += 1;
      const files = existsSync(partition('2024-01')) ? readdirSync(partition('2024-01')) : [];
      if (files.filter((f) => f.endsWith('.parquet')).length !== 1) {
        missing += 1;
      }
      setImmediate(poll);
    };
    poll();
    for (let run = 1; run <= 30; run += 1) {
      await publishMonth(`r${run}`, '2024-01', `jan${run}`);
    }
    done = true;
    expect(polls).toBeGreaterThan(30);
    expect(missing).toBe(0);
  });

  /** A version 2 publish of 2024-02 by run r2, stopped as a crash would at `step`. */
  async function crashDuringVersionPublish(step: 'journal' | 'built' | 'switched'): Promise<void> {
    await publishMonth('r1', '2024-01', 'jan');
    await publishMonth('r1', '2024-02', 'feb');
    const target = partition('2024-02');
    const staged = lake.staged('r2', target);
    await fill(staged, { 'part-r2-0.parquet': 'feb2' });
    const oldVersion = resolve(dirname(table()), await readlink(table()));
    const newVersion = lake.newVersionDir('r2', table());
    await writeJournal(lake.journalFile('r2', target), lake.root, {
      runId: 'r2',
      target,
      staged,
      backup: '',
      table: table(),
      newVersion,
      oldVersion,
    });
    // An old process id: the publishing process is gone.
    const journalFile = lake.journalFile('r2', target);
    const journal = JSON.parse(await readFile(journalFile, 'utf8'));
    await writeFile(journalFile, JSON.stringify({ ...journal, pid: deadPid() }));
    if (step === 'journal') {
      return;
    }
    await linkTree(oldVersion, newVersion, 'month=2024-02');
    await linkTree(staged, join(newVersion, 'month=2024-02'));
    if (step === 'built') {
      return;
    }
    await pointTableAt(table(), newVersion);
  }

  it.each([
    ['journal', 'rolled-back', 'feb'],
    ['built', 'rolled-back', 'feb'],
    ['switched', 'completed', 'feb2'],
  ] as const)('recovers a crash after %s: %s', async (step, outcome, feb) => {
    await crashDuringVersionPublish(step);
    expect(await recoverJournals(lake.root)).toEqual([expect.objectContaining({ runId: 'r2', outcome })]);
    const files = await contents(table());
    expect(Object.values(files ?? {}).sort()).toEqual([feb, 'jan'].sort());
    expect(await readdir(lake.versionsDir(table()))).toHaveLength(1);
    expect(await contents(lake.stagingRunDir('r2'))).toBeUndefined();
    expect(await sqlsyncLeftovers()).toEqual([]);
    expect(await recoverJournals(lake.root)).toEqual([]);
  });

  it("removes orphan versions, staging, backups and temporary links of dead runs, and keeps a live run's", async () => {
    await publishMonth('r1', '2024-01', 'jan');
    const orphan = lake.newVersionDir('20200101T000000Z-dead01', table());
    await fill(orphan, { 'month=2024-01/part-x-0.parquet': 'x' });
    await fill(lake.stagingRunDir('20200101T000000Z-dead01'), { 'sales/orders.upsert/a.parquet': 'x' });
    await fill(join(lake.root, '_sqlsync', 'backup', '20200101T000000Z-dead01', 'sales'), {});
    await writeFile(join(lake.root, 'sales', '.orders.0badf00d.link'), '');
    // A scale-out run whose publish task is still to come keeps its staging.
    await fill(lake.stagingRunDir('20200101T000000Z-plan01'), {
      'sales/orders/month=2024-03/part-0.parquet': 'p',
    });
    await fill(join(lake.root, '_sqlsync', 'plans', '20200101T000000Z-plan01'), {
      'sales.orders.json': '{}',
    });
    // A live sqlsync on this host (our parent process stands in for it) that started before this run.
    const liveRun = `${new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '')}-live01`;
    await fill(lake.stagingRunDir(liveRun), { 'sales/orders/part-0.parquet': 'live' });
    await fill(join(lake.root, '_sqlsync', 'processes'), {
      [`${encodeURIComponent(hostname())}.${process.ppid}.json`]: JSON.stringify({
        host: hostname(),
        pid: process.ppid,
        startedAt: new Date(Date.now() - 60_000).toISOString(),
      }),
      [`${encodeURIComponent(hostname())}.${deadPid()}.json`]: JSON.stringify({
        host: hostname(),
        pid: deadPid(),
        startedAt: '2020-01-01T00:00:00.000Z',
      }),
    });

    const { removed } = await recoverLake(lake.root);
    expect(removed.map((r) => r.kind).sort()).toEqual(['backup', 'staging', 'version']);
    expect(await contents(orphan)).toBeUndefined();
    expect(await contents(lake.stagingRunDir('20200101T000000Z-dead01'))).toBeUndefined();
    expect(await contents(lake.stagingRunDir('20200101T000000Z-plan01'))).toBeDefined();
    expect(await contents(lake.stagingRunDir(liveRun))).toBeDefined();
    // Temporary links are not removed while another sqlsync may be switching a table.
    expect(existsSync(join(lake.root, 'sales', '.orders.0badf00d.link'))).toBe(true);
    expect(await readdir(join(lake.root, '_sqlsync', 'processes'))).toHaveLength(2);
    expect(await contents(table())).toEqual({ 'month=2024-01/part-r1-0.parquet': 'jan' });
  });
});

/** A pid that runs nothing on this machine (far above the default pid_max of small machines). */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid += 1) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        return pid;
      }
    }
  }
}

describe('LakeLayout', () => {
  it('lays out tables, partitions, buckets, staging and journals', () => {
    const layout = new LakeLayout('/data/lake');
    expect(layout.tableDir('sales', 'orders')).toBe('/data/lake/sales/orders');
    expect(layout.partitionDir('sales', 'orders', 'month', '2024-01')).toBe(
      '/data/lake/sales/orders/month=2024-01',
    );
    expect(layout.partitionDir('sales', 'orders', 'month', null)).toBe(
      '/data/lake/sales/orders/month=__HIVE_DEFAULT_PARTITION__',
    );
    expect(layout.bucketDir('sales', 'customers', 7)).toBe('/data/lake/sales/customers/bucket=07');
    expect(layout.dataFileName('r1', 0)).toBe('part-r1-0.parquet');
    expect(layout.staged('r1', layout.tableDir('sales', 'orders'))).toBe(
      '/data/lake/_sqlsync/staging/r1/sales/orders',
    );
    expect(layout.journalFile('r1', layout.tableDir('sales', 'orders'))).toMatch(
      /^\/data\/lake\/_sqlsync\/journal\/r1\.[0-9a-f]{16}\.json$/,
    );
    expect(() => layout.relativeToRoot('/data/elsewhere')).toThrow(/not a directory inside the lake/);
    expect(() => layout.relativeToRoot('/data/lake/_sqlsync/staging')).toThrow(/_sqlsync/);
  });

  it('escapes names so that each is one directory', () => {
    expect(escapePathSegment('a/b=c')).toBe('a%2Fb%3Dc');
    expect(escapePathSegment('..')).toBe('%2E%2E');
    expect(escapePathSegment('Order Lines')).toBe('Order Lines');
    expect(escapePathSegment('100%')).toBe('100%25');
  });
});
