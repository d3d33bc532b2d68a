import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapePathSegment, LakeLayout } from './lake-layout.js';
import { publishPartition, publishTable } from './publish.js';
import { writeJournal } from './publish-journal.js';
import { recoverJournals } from './recover-journals.js';

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

describe('recoverJournals', () => {
  /** Leaves the lake as a crash would at a given step of publishing `sales.orders` in run r2. */
  async function crashDuringPublish(
    step: 'journal' | 'moved-aside' | 'moved-in' | 'backup-deleted',
  ): Promise<string> {
    const target = lake.tableDir('sales', 'orders');
    const staged = lake.staged('r2', target);
    const backup = lake.backup('r2', target);
    await fill(target, { 'part-r1-0.parquet': 'old' });
    await fill(staged, { 'part-r2-0.parquet': 'new' });
    await mkdir(lake.journalDir(), { recursive: true });
    await writeJournal(lake.journalFile('r2', target), lake.root, { runId: 'r2', target, staged, backup });
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
    // The staged version is still there, so the publish can simply be retried.
    expect(await recoverJournals(lake.root)).toEqual([]);
    await publishTable({ lakeRoot: lake.root, runId: 'r2', targetSchema: 'sales', targetTable: 'orders' });
    expect(await contents(target)).toEqual({ 'part-r2-0.parquet': 'new' });
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
