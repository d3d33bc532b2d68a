import type { TableKind } from '@sync/handlers';

/**
 * What a run reports as it advances, for a progress display or an embedder's metrics. Events come
 * from the pipeline's own thread, in order: a table's `planned` before its `unit` events, its
 * `table` event last.
 *
 * @example
 * await pipeline.run({ onProgress: (e) => e.type === 'unit' && console.error(`${e.unit}: ${e.rows} rows`) });
 */
export type RunProgressEvent =
  | {
      readonly type: 'planned';
      readonly table: string;
      readonly kind: TableKind;
      /** How many units the table will run. */
      readonly units: number;
    }
  | {
      /** One unit has run and staged its rows (published only with its table). */
      readonly type: 'unit';
      readonly table: string;
      readonly unit: string;
      readonly rows: number;
    }
  | {
      /** The table is published (`ok`) or has failed. */
      readonly type: 'table';
      readonly table: string;
      readonly status: 'ok' | 'failed';
    };
