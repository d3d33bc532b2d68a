import type { DuckDBConnection } from '@duckdb/node-api';
import type { CatalogTable, CatalogUniqueIndex } from './catalog-table.js';
import { catalogSql, metaSchema } from './catalog-views.js';
import { type PartitionFunction, type PartitionScheme, partitionNumberSql } from './partition-functions.js';
import { quoteIdent, quoteString } from './sql-quoting.js';
import { variantText } from './tds/sql-variant.js';
import { sqlType, systemTypeOf, typeDeclaration } from './types/sql-type.js';

const key = (schema: string, name: string): string => `${schema.toLowerCase()}.${name.toLowerCase()}`;

/**
 * The SQL Server catalog of the emulated database: the declared types of every user table
 * (kept in JS for result metadata, mirrored into DuckDB tables behind the `sys` and
 * `INFORMATION_SCHEMA` views).
 */
export class Catalog {
  private readonly tables = new Map<string, CatalogTable>();
  private readonly schemas = new Map<string, { id: number; name: string }>();
  private nextObjectId = 901578250;
  private readonly functions = new Map<string, PartitionFunction>();
  private readonly schemes = new Map<string, PartitionScheme>();
  private droppedFunctions = 0;
  /** Catalog views whose result columns need a declared type (sql_variant), by `schema.name`. */
  private readonly systemTables = new Map<string, CatalogTable>();
  private nextSchemaId = 5;

  constructor(readonly database: string) {
    this.systemTables.set(key('sys', 'partition_range_values'), {
      objectId: -1,
      schema: 'sys',
      name: 'partition_range_values',
      kind: 'view',
      columns: [
        {
          columnId: 4,
          name: 'value',
          type: sqlType('sql_variant'),
          sysname: false,
          nullable: true,
          identity: false,
          defaultText: undefined,
        },
      ],
      primaryKey: undefined,
      identitySequence: undefined,
    });
    for (const [id, name] of [
      [1, 'dbo'],
      [2, 'guest'],
      [3, 'INFORMATION_SCHEMA'],
      [4, 'sys'],
    ] as const) {
      this.schemas.set(name.toLowerCase(), { id, name });
    }
  }

  /** Creates the metadata tables and the `sys` / `INFORMATION_SCHEMA` views. */
  async install(c: DuckDBConnection): Promise<void> {
    await c.run(catalogSql(this.database));
  }

  /** A partition function by name (case-insensitive). */
  partitionFunction(name: string): PartitionFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  /** A partition scheme by name (case-insensitive). */
  partitionScheme(name: string): PartitionScheme | undefined {
    return this.schemes.get(name.toLowerCase());
  }

  /** The partition schemes over a partition function (case-insensitive name). */
  schemesOf(functionName: string): PartitionScheme[] {
    return [...this.schemes.values()].filter(
      (s) => s.functionName.toLowerCase() === functionName.toLowerCase(),
    );
  }

  /** The partition function a table is stored by, if it is partitioned. */
  partitionFunctionOf(table: CatalogTable): PartitionFunction | undefined {
    const scheme = table.partition === undefined ? undefined : this.partitionScheme(table.partition.scheme);
    return scheme === undefined ? undefined : this.partitionFunction(scheme.functionName);
  }

  /** A fresh partition function id. */
  newFunctionId(): number {
    return 65536 + this.functions.size + this.droppedFunctions;
  }

  /** Records a partition function and its boundaries. */
  async addPartitionFunction(c: DuckDBConnection, fn: PartitionFunction): Promise<void> {
    this.functions.set(fn.name.toLowerCase(), fn);
    const m = metaSchema;
    const sys = systemTypeOf(fn.type.name);
    await c.run(
      `INSERT INTO ${m}.partition_functions VALUES (${fn.functionId}, ${quoteString(fn.name)}, ${fn.boundaries.length + 1}, ${fn.rangeRight}, ${sys.systemTypeId}, ${fn.type.maxLength}, ${fn.type.precision}, ${fn.type.scale}, now()::TIMESTAMP)`,
    );
    if (fn.boundaryTexts.length > 0) {
      const rows = fn.boundaryTexts.map(
        (text, i) =>
          `(${fn.functionId}, ${i + 1}, ${quoteString(variantText(typeDeclaration(fn.type), text))})`,
      );
      await c.run(`INSERT INTO ${m}.partition_range_values VALUES ${rows.join(', ')}`);
    }
  }

  async dropPartitionFunction(c: DuckDBConnection, name: string): Promise<void> {
    const fn = this.partitionFunction(name);
    if (fn !== undefined) {
      this.functions.delete(name.toLowerCase());
      this.droppedFunctions++;
      await c.run(`DELETE FROM ${metaSchema}.partition_functions WHERE function_id = ${fn.functionId};
        DELETE FROM ${metaSchema}.partition_range_values WHERE function_id = ${fn.functionId}`);
    }
  }

  /** Records a partition scheme. */
  async addPartitionScheme(c: DuckDBConnection, scheme: PartitionScheme): Promise<void> {
    this.schemes.set(scheme.name.toLowerCase(), scheme);
    const fn = this.partitionFunction(scheme.functionName);
    await c.run(
      `INSERT INTO ${metaSchema}.partition_schemes VALUES (${scheme.dataSpaceId}, ${quoteString(scheme.name)}, ${fn?.functionId ?? 0})`,
    );
  }

  async dropPartitionScheme(c: DuckDBConnection, name: string): Promise<void> {
    const scheme = this.partitionScheme(name);
    if (scheme !== undefined) {
      this.schemes.delete(name.toLowerCase());
      await c.run(`DELETE FROM ${metaSchema}.partition_schemes WHERE data_space_id = ${scheme.dataSpaceId}`);
    }
  }

  /** A fresh data space id for a partition scheme. */
  newDataSpaceId(): number {
    return 65601 + this.schemes.size + this.droppedFunctions;
  }

  /** The schema's id, or undefined when it does not exist. */
  schemaId(name: string): number | undefined {
    return this.schemas.get(name.toLowerCase())?.id;
  }

  /** Registers a new schema; returns its id. */
  async addSchema(c: DuckDBConnection, name: string): Promise<number> {
    const id = this.nextSchemaId++;
    this.schemas.set(name.toLowerCase(), { id, name });
    await c.run(`INSERT INTO ${metaSchema}.schemas VALUES (${id}, ${quoteString(name)})`);
    return id;
  }

  async dropSchema(c: DuckDBConnection, name: string): Promise<void> {
    const entry = this.schemas.get(name.toLowerCase());
    if (entry !== undefined) {
      this.schemas.delete(name.toLowerCase());
      await c.run(`DELETE FROM ${metaSchema}.schemas WHERE schema_id = ${entry.id}`);
    }
  }

  /** A table or view by schema and name (case-insensitive), if it exists. */
  table(schema: string, name: string): CatalogTable | undefined {
    return this.tables.get(key(schema, name)) ?? this.systemTables.get(key(schema, name));
  }

  /** All user tables and views. */
  allTables(): CatalogTable[] {
    return [...this.tables.values()];
  }

  /** A fresh object id, as SQL Server hands them out. */
  newObjectId(): number {
    this.nextObjectId += 16000057;
    if (this.nextObjectId > 2_000_000_000) {
      this.nextObjectId = 1_000_003;
    }
    return this.nextObjectId;
  }

  /** Records a created table (or view) in the JS catalog and the metadata tables. */
  async addTable(c: DuckDBConnection, table: CatalogTable): Promise<void> {
    const schemaId = this.schemaId(table.schema) ?? 1;
    this.tables.set(key(table.schema, table.name), table);
    const m = metaSchema;
    const type = table.kind === 'view' ? "'V', 'VIEW'" : "'U', 'USER_TABLE'";
    await c.run(
      `INSERT INTO ${m}.objects VALUES (${table.objectId}, ${quoteString(table.name)}, ${schemaId}, 0, ${type}, now()::TIMESTAMP, now()::TIMESTAMP)`,
    );
    if (table.columns.length > 0) {
      const rows = table.columns.map((col) => {
        const sys = systemTypeOf(col.type.name);
        const userTypeId = col.sysname ? 256 : sys.userTypeId;
        return `(${table.objectId}, ${col.columnId}, ${quoteString(col.name)}, ${quoteString(col.sysname ? 'sysname' : col.type.name)}, ${sys.systemTypeId}, ${userTypeId}, ${col.type.maxLength}, ${col.type.precision}, ${col.type.scale}, ${col.nullable}, ${col.identity}, ${col.defaultText === undefined ? 'NULL' : quoteString(col.defaultText)})`;
      });
      await c.run(`INSERT INTO ${m}.columns VALUES ${rows.join(', ')}`);
    }
    if (table.kind === 'table') {
      // Index 0 is the heap; a primary key makes index 1 the clustered index. Either lives on
      // PRIMARY (data space 1) or on the table's partition scheme.
      const pk = table.primaryKey;
      const scheme = table.partition === undefined ? undefined : this.partitionScheme(table.partition.scheme);
      const dataSpace = scheme?.dataSpaceId ?? 1;
      const partitionColumn =
        table.partition === undefined
          ? undefined
          : table.columns.find((x) => x.name.toLowerCase() === table.partition?.column.toLowerCase());
      if (pk === undefined) {
        await c.run(
          `INSERT INTO ${m}.indexes VALUES (${table.objectId}, NULL, 0, 0, 'HEAP', false, false, false, ${dataSpace}, NULL)`,
        );
        if (partitionColumn !== undefined) {
          await c.run(
            `INSERT INTO ${m}.index_columns VALUES (${table.objectId}, 0, 1, ${partitionColumn.columnId}, 0, false, false, 1)`,
          );
        }
      } else {
        const pkId = this.newObjectId();
        await c.run(
          `INSERT INTO ${m}.objects VALUES (${pkId}, ${quoteString(pk.name)}, ${schemaId}, ${table.objectId}, 'PK', 'PRIMARY_KEY_CONSTRAINT', now()::TIMESTAMP, now()::TIMESTAMP)`,
        );
        await c.run(
          `INSERT INTO ${m}.indexes VALUES (${table.objectId}, ${quoteString(pk.name)}, 1, 1, 'CLUSTERED', true, true, false, ${dataSpace}, NULL)`,
        );
        const rows = pk.columns.map((name, i) => {
          const col = table.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
          const ordinal = col !== undefined && col === partitionColumn ? 1 : 0;
          return `(${table.objectId}, 1, ${i + 1}, ${col?.columnId ?? 0}, ${i + 1}, false, false, ${ordinal})`;
        });
        if (
          partitionColumn !== undefined &&
          !pk.columns.some((n) => n.toLowerCase() === partitionColumn.name.toLowerCase())
        ) {
          // SQL Server adds the partitioning column to a clustered key that lacks it.
          rows.push(
            `(${table.objectId}, 1, ${rows.length + 1}, ${partitionColumn.columnId}, 0, false, false, 1)`,
          );
        }
        await c.run(`INSERT INTO ${m}.index_columns VALUES ${rows.join(', ')}`);
      }
      for (const ux of table.uniqueIndexes ?? []) {
        await this.addUniqueIndexRows(c, table, schemaId, dataSpace, ux);
      }
    }
  }

  /**
   * Lists a UNIQUE constraint or unique index as SQL Server does: a NONCLUSTERED row in
   * `sys.indexes` (is_unique = 1, a constraint also with is_unique_constraint = 1 and a `UQ`
   * object in `sys.objects`) and its key columns in `sys.index_columns`.
   */
  private async addUniqueIndexRows(
    c: DuckDBConnection,
    table: CatalogTable,
    schemaId: number,
    dataSpace: number,
    ux: CatalogUniqueIndex,
  ): Promise<void> {
    const m = metaSchema;
    if (ux.constraint) {
      await c.run(
        `INSERT INTO ${m}.objects VALUES (${this.newObjectId()}, ${quoteString(ux.name)}, ${schemaId}, ${table.objectId}, 'UQ', 'UNIQUE_CONSTRAINT', now()::TIMESTAMP, now()::TIMESTAMP)`,
      );
    }
    const filter = ux.filter === undefined ? 'NULL' : quoteString(ux.filter);
    await c.run(
      `INSERT INTO ${m}.indexes VALUES (${table.objectId}, ${quoteString(ux.name)}, ${ux.indexId}, 2, 'NONCLUSTERED', true, false, ${ux.constraint}, ${dataSpace}, ${filter})`,
    );
    const rows = ux.columns.map((name, i) => {
      const col = table.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
      return `(${table.objectId}, ${ux.indexId}, ${i + 1}, ${col?.columnId ?? 0}, ${i + 1}, false, false, 0)`;
    });
    if (rows.length > 0) {
      await c.run(`INSERT INTO ${m}.index_columns VALUES ${rows.join(', ')}`);
    }
  }

  /** Records `CREATE UNIQUE INDEX` on a table (the next free index_id). */
  async addUniqueIndex(
    c: DuckDBConnection,
    table: CatalogTable,
    index: Omit<CatalogUniqueIndex, 'indexId'>,
  ): Promise<void> {
    const existing = table.uniqueIndexes ?? [];
    const indexId = Math.max(1, ...existing.map((x) => x.indexId)) + 1;
    await this.replaceTable(c, { ...table, uniqueIndexes: [...existing, { ...index, indexId }] });
  }

  /** Forgets a unique index or constraint (DROP INDEX); false when the table has none of that name. */
  async dropUniqueIndex(c: DuckDBConnection, table: CatalogTable, name: string): Promise<boolean> {
    const existing = table.uniqueIndexes ?? [];
    const kept = existing.filter((x) => x.name.toLowerCase() !== name.toLowerCase());
    if (kept.length === existing.length) {
      return false;
    }
    await this.replaceTable(c, { ...table, uniqueIndexes: kept });
    return true;
  }

  /**
   * Recounts every table's rows into `sys.partitions` / `sys.dm_db_partition_stats` (run before a
   * statement that reads them; DuckDB's own estimates ignore deleted rows).
   */
  async refreshRowCounts(c: DuckDBConnection): Promise<void> {
    const tables = this.allTables().filter((t) => t.kind === 'table');
    const counts = tables.map((t) => {
      const index = t.primaryKey === undefined ? 0 : 1;
      const from = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
      const fn = this.partitionFunctionOf(t);
      if (fn === undefined || t.partition === undefined) {
        return `SELECT ${t.objectId}, ${index}, 1, count(*) FROM ${from}`;
      }
      // Every partition is listed, empty ones with 0 rows.
      const column = t.columns.find((x) => x.name.toLowerCase() === t.partition?.column.toLowerCase());
      const digit = column?.ns100 === undefined ? undefined : `coalesce(${quoteIdent(column.ns100)}, 0)`;
      const number = partitionNumberSql(fn, quoteIdent(t.partition.column), digit);
      return `SELECT ${t.objectId}, ${index}, CAST(p.n AS INTEGER), coalesce(c.rows, 0) FROM range(1, ${fn.boundaries.length + 2}) p(n)
        LEFT JOIN (SELECT ${number} AS n, count(*) AS rows FROM ${from} GROUP BY 1) c ON c.n = p.n`;
    });
    await c.run(`DELETE FROM ${metaSchema}.partition_rows`);
    if (counts.length > 0) {
      await c.run(`INSERT INTO ${metaSchema}.partition_rows ${counts.join(' UNION ALL ')}`);
    }
  }

  /** Forgets a dropped table or view. */
  async dropTable(c: DuckDBConnection, schema: string, name: string): Promise<void> {
    const table = this.tables.get(key(schema, name));
    if (table === undefined) {
      return;
    }
    this.tables.delete(key(schema, name));
    const m = metaSchema;
    const id = table.objectId;
    await c.run(`
      DELETE FROM ${m}.objects WHERE object_id = ${id} OR parent_object_id = ${id};
      DELETE FROM ${m}.columns WHERE object_id = ${id};
      DELETE FROM ${m}.indexes WHERE object_id = ${id};
      DELETE FROM ${m}.index_columns WHERE object_id = ${id};
    `);
  }

  /** Replaces a table's column list (ALTER TABLE ADD / DROP COLUMN). */
  async replaceTable(c: DuckDBConnection, table: CatalogTable): Promise<void> {
    await this.dropTable(c, table.schema, table.name);
    await this.addTable(c, table);
  }
}
