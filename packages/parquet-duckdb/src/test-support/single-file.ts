import { basename, dirname } from 'node:path';
import type { ParquetTarget } from '../parquet-write-options.js';

/** A target for a write that stays under `rowsPerFile`: one file at `path`. */
export function singleFile(path: string): ParquetTarget {
  return { directory: dirname(path), fileName: () => basename(path) };
}
