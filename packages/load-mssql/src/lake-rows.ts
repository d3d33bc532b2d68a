import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { bulkValue, lakeReadExpression, type WarehouseColumn } from './warehouse-columns.js';

/** A column of the lake's Parquet files: its name and DuckDB type. */
export interface LakeColumn {
  readonly name: string;
  readonly type: string;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Every `.parquet` file under `dir` (recursively), sorted; none when `dir` does not exist. */
export async function parquetFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') {
      return [];
    }
    throw error;
  });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Reads published lake files for the warehouse through an in-memory DuckDB: the files' columns
 * and their rows, converted for the bulk load. Close it in `finally`.
 *
 * @example
 * const lake = await LakeRows.open();
 * try {
 *   const columns = await lake.columns(files);
 *   for await (const row of lake.rows(files, warehouseColumns(columns, source))) …
 * } finally {
 *   lake.close();
 * }
 */
export class LakeRows {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async open(): Promise<LakeRows> {
    return new LakeRows(await DuckDBInstance.create(':memory:', { threads: '2' }));
  }

  private from(files: readonly string[]): string {
    // No hive partitioning: a partition key would be read as a column the table does not have.
    return `read_parquet([${files.map(literal).join(', ')}], hive_partitioning = false, union_by_name = true)`;
  }

  /** The columns of the files (their union, by name), in file order. */
  async columns(files: readonly string[]): Promise<LakeColumn[]> {
    const c = await this.instance.connect();
    try {
      const reader = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${this.from(files)}`);
      return reader
        .getRowObjectsJS()
        .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    } finally {
      c.closeSync();
    }
  }

  /** The rows of the files as arrays in `columns` order, ready for the bulk load. */
  async *rows(
    files: readonly string[],
    columns: readonly WarehouseColumn[],
    lake: readonly LakeColumn[],
  ): AsyncGenerator<unknown[]> {
    if (files.length === 0) {
      return;
    }
    const types = columns.map(
      (w) => lake.find((l) => l.name.toLowerCase() === w.name.toLowerCase())?.type ?? 'VARCHAR',
    );
    const select = columns.map((w, i) => `${lakeReadExpression(quote(w.name), types[i] as string)} AS c${i}`);
    const c = await this.instance.connect();
    try {
      const result = await c.stream(`SELECT ${select.join(', ')} FROM ${this.from(files)}`);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) {
          break;
        }
        for (const row of chunk.getRows()) {
          yield row.map((v, i) => bulkValue(columns[i] as WarehouseColumn, v, types[i] as string));
        }
      }
    } finally {
      c.closeSync();
    }
  }

  /** How many rows of the files have `column` equal to `value` (a DuckDB literal expression). */
  async countWhere(files: readonly string[], column: string, valueSql: string): Promise<number> {
    if (files.length === 0) {
      return 0;
    }
    const c = await this.instance.connect();
    try {
      const reader = await c.runAndReadAll(
        `SELECT COUNT(*) FROM ${this.from(files)} WHERE ${quote(column)} = ${valueSql}`,
      );
      return Number(reader.getRows()[0]?.[0] ?? 0);
    } finally {
      c.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}
