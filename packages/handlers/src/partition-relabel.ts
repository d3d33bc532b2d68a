import { link, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LakeLayout, publishTable } from '@sync/parquet-duckdb';

/**
 * A numbered lake directory value and the boundary label it becomes.
 *
 * @example
 * const relabel: PartitionRelabel = { from: '00002', to: '2024-02-01' };
 */
export interface PartitionRelabel {
  /** The numbered value, e.g. `00003`. */
  readonly from: string;
  /** The label; `null`: the first partition (Hive's default partition). */
  readonly to: string | null;
}

/** Which lake table's partition directories to rename. */
export interface RelabelRequest {
  readonly lakeRoot: string;
  readonly runId: string;
  readonly targetSchema: string;
  readonly targetTable: string;
  /** The directory key, e.g. `OrderDate_partition`. */
  readonly directoryKey: string;
  readonly renames: readonly PartitionRelabel[];
}

/** Hard-links a directory tree (no data copied; the lake's files are immutable). */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      await linkTree(join(from, entry.name), join(to, entry.name));
    } else if (entry.isFile()) {
      await link(join(from, entry.name), join(to, entry.name));
    }
  }
}

/**
 * Renames partition directories of a lake table (`<key>=00003` → `<key>=2024-02-01`) in one
 * publish: the table is staged again from hard links of its current files under the new names and
 * replaces the table's directory at once (`publishTable`: journal first, one symlink switch,
 * recoverable after a crash), so a reader sees every directory under its old name or every one
 * under its new name, never a partition twice or missing. A directory already renamed (a run that
 * crashed after this publish and before its state was written) is left as it is. Returns how many
 * directories were renamed.
 *
 * @example
 * await relabelPartitions({ lakeRoot, runId, targetSchema: 'sales', targetTable: 'orders',
 *   directoryKey: 'OrderDate_partition', renames: [{ from: '00002', to: '2024-02-01' }] }); // 1
 */
export async function relabelPartitions(request: RelabelRequest): Promise<number> {
  const { lakeRoot, runId, targetSchema, targetTable, directoryKey } = request;
  const layout = new LakeLayout(lakeRoot);
  const tableDir = layout.tableDir(targetSchema, targetTable);
  const name = (value: string | null): string =>
    basename(layout.partitionDir(targetSchema, targetTable, directoryKey, value));
  const renamed = new Map(
    request.renames.filter((r) => r.from !== r.to).map((r) => [name(r.from), name(r.to)] as const),
  );
  const entries = await readdir(tableDir, { withFileTypes: true }).catch(() => []);
  const present = new Set(entries.map((e) => e.name));
  const moving = entries.filter((e) => renamed.has(e.name) && !present.has(renamed.get(e.name) as string));
  if (moving.length === 0) {
    return 0;
  }
  const staged = layout.staged(`${runId}-relabel`, tableDir);
  await rm(staged, { recursive: true, force: true });
  try {
    await mkdir(staged, { recursive: true });
    for (const entry of entries) {
      const target = join(staged, moving.includes(entry) ? (renamed.get(entry.name) as string) : entry.name);
      if (entry.isDirectory()) {
        await linkTree(join(tableDir, entry.name), target);
      } else if (entry.isFile()) {
        await link(join(tableDir, entry.name), target);
      }
    }
    await publishTable({ lakeRoot, runId, targetSchema, targetTable, stagedDir: staged });
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
  return moving.length;
}
