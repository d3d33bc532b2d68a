import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a failed warehouse load of a table left to do: the lake partitions it did not load and
 * whether partitions were removed. The lake published them, so the next run's plan will not list
 * them again; this record makes the next run load them anyway (a static or SCD2 table: reload).
 */
export interface PendingLoad {
  readonly replacedPartitions: readonly string[];
  readonly removedPartitions: boolean;
}

function fileOf(stateDirectory: string, tableId: string): string {
  return join(stateDirectory, 'destination', `${encodeURIComponent(tableId)}.pending.json`);
}

/**
 * The table's pending warehouse load, if a run left one.
 *
 * @example
 * const pending = await readPendingLoad(config.state.stateDirectory, 'sales.Orders');
 */
export async function readPendingLoad(
  stateDirectory: string,
  tableId: string,
): Promise<PendingLoad | undefined> {
  try {
    const raw = JSON.parse(await readFile(fileOf(stateDirectory, tableId), 'utf8')) as Partial<PendingLoad>;
    return {
      replacedPartitions: Array.isArray(raw.replacedPartitions) ? raw.replacedPartitions.map(String) : [],
      removedPartitions: raw.removedPartitions === true,
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      return undefined;
    }
    // An unreadable record: load the whole table again rather than miss a partition.
    return { replacedPartitions: [], removedPartitions: true };
  }
}

/**
 * Records (write then rename) what a failed load left to do, or clears it (`undefined`) after a load succeeded.
 *
 * @example
 * await writePendingLoad(dir, 'sales.Orders', { replacedPartitions: [dir2], removedPartitions: false });
 */
export async function writePendingLoad(
  stateDirectory: string,
  tableId: string,
  pending: PendingLoad | undefined,
): Promise<void> {
  const file = fileOf(stateDirectory, tableId);
  if (pending === undefined) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(join(stateDirectory, 'destination'), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(pending));
  await rename(`${file}.tmp`, file);
}
