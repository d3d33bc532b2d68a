import { LakeLayout } from './lake-layout.js';
import { type PublishResult, replaceDirectory } from './replace-directory.js';

/** Which table to publish. */
export interface PublishTableRequest {
  readonly lakeRoot: string;
  readonly runId: string;
  readonly targetSchema: string;
  readonly targetTable: string;
  /** The staged table directory. Defaults to `<lake>/_sqlsync/staging/<run>/<schema>/<table>`. */
  readonly stagedDir?: string;
}

/** Which partition to publish. */
export interface PublishPartitionRequest extends PublishTableRequest {
  /** The partition column, as in the directory name `<column>=<value>`. */
  readonly column: string;
  /** The partition value as text (already formatted by the handler); `null` is Hive's default partition. */
  readonly value: string | null;
  /** The staged partition directory. Defaults to its staging twin, `…/staging/<run>/<schema>/<table>/<column>=<value>`. */
  readonly stagedDir?: string;
}

/**
 * Replaces a whole table directory `<lake>/<schema>/<table>` by the staged one, atomically for
 * readers and recoverably after a crash (see `replaceDirectory`).
 *
 * @example
 * await publishTable({ lakeRoot: '/data/lake', runId: 'r42', targetSchema: 'sales', targetTable: 'orders' });
 */
export async function publishTable(request: PublishTableRequest): Promise<PublishResult> {
  const layout = new LakeLayout(request.lakeRoot);
  const target = layout.tableDir(request.targetSchema, request.targetTable);
  return replaceDirectory({
    lakeRoot: layout.root,
    runId: request.runId,
    target,
    staged: request.stagedDir ?? layout.staged(request.runId, target),
  });
}

/**
 * Replaces one partition directory `<lake>/<schema>/<table>/<column>=<value>` by the staged one,
 * leaving the table's other partitions untouched; the same mechanism as `publishTable`.
 *
 * @example
 * await publishPartition({
 *   lakeRoot: '/data/lake', runId: 'r42', targetSchema: 'sales', targetTable: 'orders',
 *   column: 'order_month', value: '2024-01',
 * });
 */
export async function publishPartition(request: PublishPartitionRequest): Promise<PublishResult> {
  const layout = new LakeLayout(request.lakeRoot);
  const target = layout.partitionDir(
    request.targetSchema,
    request.targetTable,
    request.column,
    request.value,
  );
  return replaceDirectory({
    lakeRoot: layout.root,
    runId: request.runId,
    target,
    staged: request.stagedDir ?? layout.staged(request.runId, target),
  });
}
