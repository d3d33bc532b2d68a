import type { DuckDBConnection } from '@duckdb/node-api';
import { type PartitionFunction, type PartitionScheme, partitionNumberSql } from './partition-functions.js';
import { variantText } from './tds/sql-variant.js';
import { type SqlType, sqlType, systemTypeOf, systemTypes, typeDeclaration } from './types/sql-type.js';

/** The DuckDB schema holding the emulator's own metadata tables. */
export const metaSchema = '__emulator';
/** The DuckDB schema T-SQL's `INFORMATION_SCHEMA` resolves to (DuckDB has its own). */
export const infoSchema = 'tsql_information_schema';

/** One column of a user table as declared in T-SQL. */
export interface CatalogColumn {
  readonly columnId: number;
  readonly name: string;
  readonly type: SqlType;
  /** True when declared with `sysname`. */
  readonly sysname: boolean;
  readonly nullable: boolean;
  readonly identity: boolean;
  readonly defaultText: string | undefined;
  /**
   * For datetime2(7), time(7) and datetimeoffset(7): the hidden DuckDB column holding the
   * 100 ns digit that DuckDB's microsecond types cannot (see {@link hiddenDigitName}).
   */
  readonly ns100?: string;
  /**
   * For datetimeoffset: the hidden DuckDB SMALLINT column holding the offset in minutes (the
   * TIMESTAMPTZ itself is the instant; see {@link hiddenOffsetName}).
   */
  readonly tz?: string;
}

/** The hidden DuckDB column that keeps a scale-7 time/datetime2/datetimeoffset column's seventh digit. */
export function hiddenDigitName(column: string): string {
  return `${column}__100ns`;
}

/** The hidden DuckDB column that keeps a datetimeoffset column's offset in minutes. */
export function hiddenOffsetName(column: string): string {
  return `${column}__tz`;
}

/** The hidden side columns of a column (100 ns digit, offset), as DuckDB names them. */
export function hiddenColumnsOf(column: CatalogColumn): string[] {
  return [column.ns100, column.tz].filter((h): h is string => h !== undefined);
}

/**
 * True for the SQL Server types whose values need a hidden 100 ns digit column: the scale-7
 * types whose seventh fractional digit DuckDB's microsecond TIME / TIMESTAMP / TIMESTAMPTZ drop.
 */
export function needsHiddenDigit(type: SqlType): boolean {
  return (
    (type.name === 'datetime2' || type.name === 'time' || type.name === 'datetimeoffset') && type.scale === 7
  );
}

/** One user table (or view) of the emulated database. */
export interface CatalogTable {
  readonly objectId: number;
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly columns: readonly CatalogColumn[];
  /** Column names of the primary key in key order, with the constraint's name. */
  readonly primaryKey: { readonly name: string; readonly columns: readonly string[] } | undefined;
  /** DuckDB sequence feeding the identity column, if any. */
  readonly identitySequence: string | undefined;
  /** The partition scheme and column the table is stored on (`ON scheme(column)`), if any. */
  readonly partition?: { readonly scheme: string; readonly column: string };
}

const key = (schema: string, name: string): string => `${schema.toLowerCase()}.${name.toLowerCase()}`;

/** Quotes a DuckDB identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a DuckDB string literal. */
export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

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
    const typeRows = systemTypes
      .map(
        (t) =>
          `(${t.systemTypeId}, ${t.userTypeId}, ${quoteString(t.name)}, ${t.maxLength}, ${t.precision}, ${t.scale})`,
      )
      .join(', ');
    const m = metaSchema;
    await c.run(`
      CREATE SCHEMA ${m};
      CREATE SCHEMA dbo;
      CREATE SCHEMA sys;
      CREATE SCHEMA ${infoSchema};
      CREATE SEQUENCE ${m}.rowversion START 2001;
      CREATE TABLE ${m}.schemas (schema_id INTEGER, name VARCHAR);
      INSERT INTO ${m}.schemas VALUES (1, 'dbo'), (2, 'guest'), (3, 'INFORMATION_SCHEMA'), (4, 'sys');
      CREATE TABLE ${m}.objects (object_id INTEGER, name VARCHAR, schema_id INTEGER, parent_object_id INTEGER,
        type VARCHAR, type_desc VARCHAR, create_date TIMESTAMP, modify_date TIMESTAMP);
      CREATE TABLE ${m}.columns (object_id INTEGER, column_id INTEGER, name VARCHAR, type_name VARCHAR,
        system_type_id UTINYINT, user_type_id INTEGER, max_length SMALLINT, precision UTINYINT, scale UTINYINT,
        is_nullable BOOLEAN, is_identity BOOLEAN, default_text VARCHAR);
      CREATE TABLE ${m}.indexes (object_id INTEGER, name VARCHAR, index_id INTEGER, type UTINYINT,
        type_desc VARCHAR, is_unique BOOLEAN, is_primary_key BOOLEAN, is_unique_constraint BOOLEAN,
        data_space_id INTEGER);
      CREATE TABLE ${m}.index_columns (object_id INTEGER, index_id INTEGER, index_column_id INTEGER,
        column_id INTEGER, key_ordinal UTINYINT, is_descending_key BOOLEAN, is_included_column BOOLEAN,
        partition_ordinal UTINYINT);
      CREATE TABLE ${m}.partition_functions (function_id INTEGER, name VARCHAR, fanout INTEGER,
        boundary_value_on_right BOOLEAN, system_type_id UTINYINT, max_length SMALLINT, precision UTINYINT,
        scale UTINYINT, create_date TIMESTAMP);
      CREATE TABLE ${m}.partition_schemes (data_space_id INTEGER, name VARCHAR, function_id INTEGER);
      CREATE TABLE ${m}.partition_range_values (function_id INTEGER, boundary_id INTEGER, value VARCHAR);
      CREATE TABLE ${m}.types (system_type_id UTINYINT, user_type_id INTEGER, name VARCHAR, max_length SMALLINT,
        precision UTINYINT, scale UTINYINT);
      INSERT INTO ${m}.types VALUES ${typeRows};
      CREATE VIEW sys.schemas AS SELECT name, schema_id, 1 AS principal_id FROM ${m}.schemas;
      CREATE VIEW sys.objects AS SELECT name, object_id, CAST(NULL AS INTEGER) AS principal_id, schema_id,
        parent_object_id, type, type_desc, create_date, modify_date, false AS is_ms_shipped,
        false AS is_published, false AS is_schema_published FROM ${m}.objects;
      CREATE VIEW sys.tables AS SELECT *, 0 AS lob_data_space_id, false AS uses_ansi_nulls,
        CAST(0 AS UTINYINT) AS temporal_type, 'NON_TEMPORAL_TABLE' AS temporal_type_desc,
        false AS is_memory_optimized, false AS is_external, false AS is_node, false AS is_edge
        FROM sys.objects WHERE type = 'U';
      CREATE VIEW sys.views AS SELECT * FROM sys.objects WHERE type = 'V';
      CREATE VIEW sys.key_constraints AS SELECT o.*, i.index_id AS unique_index_id, false AS is_system_named
        FROM sys.objects o JOIN ${m}.indexes i ON i.object_id = o.parent_object_id AND i.name = o.name
        WHERE o.type IN ('PK', 'UQ');
      CREATE TABLE ${m}.partition_rows (object_id INTEGER, index_id INTEGER, partition_number INTEGER, rows BIGINT);
      CREATE VIEW sys.partitions AS SELECT (CAST(object_id AS BIGINT) * 65536 + index_id) * 65536 + partition_number
        AS partition_id, object_id, index_id, partition_number,
        (CAST(object_id AS BIGINT) * 65536 + index_id) * 65536 + partition_number AS hobt_id, rows,
        0 AS filestream_filegroup_id, CAST(0 AS UTINYINT) AS data_compression, 'NONE' AS data_compression_desc
        FROM ${m}.partition_rows;
      CREATE VIEW sys.dm_db_partition_stats AS SELECT partition_id, object_id, index_id, partition_number,
        CAST((rows + 99) // 100 AS BIGINT) AS in_row_data_page_count, CAST((rows + 99) // 100 AS BIGINT) AS used_page_count,
        CAST((rows + 99) // 100 AS BIGINT) AS reserved_page_count, rows AS row_count FROM sys.partitions;
      CREATE VIEW sys.columns AS SELECT object_id, name, column_id, system_type_id, user_type_id, max_length,
        precision, scale,
        CASE WHEN type_name IN ('char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext')
          THEN 'SQL_Latin1_General_CP1_CI_AS' END AS collation_name,
        is_nullable, false AS is_ansi_padded, false AS is_rowguidcol, is_identity, false AS is_computed,
        false AS is_filestream, false AS is_replicated, false AS is_sparse, false AS is_hidden,
        0 AS default_object_id, 0 AS rule_object_id, CAST(0 AS UTINYINT) AS generated_always_type
        FROM ${m}.columns;
      CREATE VIEW sys.all_columns AS SELECT * FROM sys.columns;
      CREATE VIEW sys.identity_columns AS SELECT c.*, CAST(1 AS BIGINT) AS seed_value,
        CAST(1 AS BIGINT) AS increment_value, CAST(NULL AS BIGINT) AS last_value
        FROM sys.columns c WHERE c.is_identity;
      CREATE VIEW sys.types AS SELECT name, system_type_id, user_type_id, 4 AS schema_id,
        CAST(NULL AS INTEGER) AS principal_id, max_length, precision, scale,
        CASE WHEN name IN ('char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext', 'sysname')
          THEN 'SQL_Latin1_General_CP1_CI_AS' END AS collation_name,
        true AS is_nullable, false AS is_user_defined, false AS is_assembly_type, 0 AS default_object_id,
        0 AS rule_object_id, false AS is_table_type FROM ${m}.types;
      CREATE VIEW sys.indexes AS SELECT object_id, name, index_id, type, type_desc, is_unique,
        data_space_id, false AS ignore_dup_key, is_primary_key, is_unique_constraint,
        CAST(0 AS UTINYINT) AS fill_factor, false AS is_padded, false AS is_disabled, false AS is_hypothetical,
        true AS allow_row_locks, true AS allow_page_locks, false AS has_filter,
        CAST(NULL AS VARCHAR) AS filter_definition FROM ${m}.indexes;
      CREATE VIEW sys.index_columns AS SELECT object_id, index_id, index_column_id, column_id, key_ordinal,
        partition_ordinal, is_descending_key, is_included_column FROM ${m}.index_columns;
      CREATE VIEW sys.partition_functions AS SELECT name, function_id, 'R' AS type, 'RANGE' AS type_desc, fanout,
        boundary_value_on_right, false AS is_system, create_date, create_date AS modify_date
        FROM ${m}.partition_functions;
      CREATE VIEW sys.partition_parameters AS SELECT function_id, 1 AS parameter_id, system_type_id, max_length,
        precision, scale, CAST(NULL AS VARCHAR) AS collation_name, CAST(system_type_id AS INTEGER) AS user_type_id
        FROM ${m}.partition_functions;
      CREATE VIEW sys.partition_schemes AS SELECT name, data_space_id, 'PS' AS type,
        'PARTITION_SCHEME' AS type_desc, false AS is_default, false AS is_system, function_id
        FROM ${m}.partition_schemes;
      CREATE VIEW sys.partition_range_values AS SELECT function_id, boundary_id, 1 AS parameter_id, value
        FROM ${m}.partition_range_values;
      CREATE VIEW sys.data_spaces AS SELECT 'PRIMARY' AS name, 1 AS data_space_id, 'FG' AS type,
        'ROWS_FILEGROUP' AS type_desc, true AS is_default, false AS is_system
        UNION ALL SELECT name, data_space_id, 'PS', 'PARTITION_SCHEME', false, false FROM ${m}.partition_schemes;
      CREATE VIEW sys.filegroups AS SELECT * FROM sys.data_spaces WHERE type = 'FG';
      CREATE VIEW sys.databases AS SELECT ${quoteString(this.database)} AS name, 5 AS database_id,
        'SQL_Latin1_General_CP1_CI_AS' AS collation_name, CAST(160 AS UTINYINT) AS compatibility_level,
        CAST(0 AS UTINYINT) AS state, 'ONLINE' AS state_desc, false AS is_read_only,
        CAST(1 AS UTINYINT) AS recovery_model, 'FULL' AS recovery_model_desc;
      CREATE VIEW ${infoSchema}.TABLES AS SELECT ${quoteString(this.database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME,
        CASE WHEN o.type = 'V' THEN 'VIEW' ELSE 'BASE TABLE' END AS TABLE_TYPE
        FROM ${m}.objects o JOIN ${m}.schemas s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V');
      CREATE VIEW ${infoSchema}.COLUMNS AS SELECT ${quoteString(this.database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, c.name AS COLUMN_NAME, c.column_id AS ORDINAL_POSITION,
        c.default_text AS COLUMN_DEFAULT, CASE WHEN c.is_nullable THEN 'YES' ELSE 'NO' END AS IS_NULLABLE,
        c.type_name AS DATA_TYPE,
        CASE WHEN c.type_name IN ('char', 'varchar', 'binary', 'varbinary') THEN CAST(c.max_length AS INTEGER)
          WHEN c.type_name IN ('nchar', 'nvarchar') THEN CASE WHEN c.max_length = -1 THEN -1
            ELSE CAST(c.max_length AS INTEGER) // 2 END
          WHEN c.type_name IN ('text', 'image') THEN 2147483647 WHEN c.type_name = 'ntext' THEN 1073741823
          WHEN c.type_name = 'xml' THEN -1 END AS CHARACTER_MAXIMUM_LENGTH,
        CASE WHEN c.type_name IN ('char', 'varchar', 'binary', 'varbinary', 'nchar', 'nvarchar')
          THEN CAST(c.max_length AS INTEGER) WHEN c.type_name IN ('text', 'ntext', 'image') THEN 2147483647
          WHEN c.type_name = 'xml' THEN -1 END AS CHARACTER_OCTET_LENGTH,
        CASE WHEN c.type_name IN ('tinyint', 'smallint', 'int', 'bigint', 'decimal', 'numeric', 'float', 'real',
          'money', 'smallmoney') THEN c.precision END AS NUMERIC_PRECISION,
        CASE WHEN c.type_name IN ('float', 'real') THEN 2 WHEN c.type_name IN ('tinyint', 'smallint', 'int',
          'bigint', 'decimal', 'numeric', 'money', 'smallmoney') THEN 10 END AS NUMERIC_PRECISION_RADIX,
        CASE WHEN c.type_name IN ('tinyint', 'smallint', 'int', 'bigint', 'decimal', 'numeric', 'money',
          'smallmoney') THEN CAST(c.scale AS INTEGER) END AS NUMERIC_SCALE,
        CASE WHEN c.type_name IN ('date', 'smalldatetime') THEN 0 WHEN c.type_name = 'datetime' THEN 3
          WHEN c.type_name IN ('time', 'datetime2', 'datetimeoffset') THEN CAST(c.scale AS INTEGER)
          END AS DATETIME_PRECISION,
        CASE WHEN c.type_name IN ('char', 'varchar', 'text') THEN 'iso_1'
          WHEN c.type_name IN ('nchar', 'nvarchar', 'ntext') THEN 'UNICODE' END AS CHARACTER_SET_NAME,
        CASE WHEN c.type_name IN ('char', 'varchar', 'text', 'nchar', 'nvarchar', 'ntext')
          THEN 'SQL_Latin1_General_CP1_CI_AS' END AS COLLATION_NAME
        FROM ${m}.columns c JOIN ${m}.objects o ON o.object_id = c.object_id
        JOIN ${m}.schemas s ON s.schema_id = o.schema_id;
      CREATE VIEW ${infoSchema}.SCHEMATA AS SELECT ${quoteString(this.database)} AS CATALOG_NAME,
        name AS SCHEMA_NAME, 'dbo' AS SCHEMA_OWNER FROM ${m}.schemas;
      CREATE VIEW ${infoSchema}.TABLE_CONSTRAINTS AS SELECT ${quoteString(this.database)} AS CONSTRAINT_CATALOG,
        s.name AS CONSTRAINT_SCHEMA, o.name AS CONSTRAINT_NAME, ${quoteString(this.database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, t.name AS TABLE_NAME,
        CASE o.type WHEN 'PK' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END AS CONSTRAINT_TYPE
        FROM ${m}.objects o JOIN ${m}.objects t ON t.object_id = o.parent_object_id
        JOIN ${m}.schemas s ON s.schema_id = o.schema_id WHERE o.type IN ('PK', 'UQ');
      CREATE VIEW ${infoSchema}.KEY_COLUMN_USAGE AS SELECT ${quoteString(this.database)} AS CONSTRAINT_CATALOG,
        s.name AS CONSTRAINT_SCHEMA, i.name AS CONSTRAINT_NAME, ${quoteString(this.database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, t.name AS TABLE_NAME, c.name AS COLUMN_NAME, ic.key_ordinal AS ORDINAL_POSITION
        FROM ${m}.indexes i JOIN ${m}.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        JOIN ${m}.objects t ON t.object_id = i.object_id JOIN ${m}.schemas s ON s.schema_id = t.schema_id
        JOIN ${m}.columns c ON c.object_id = i.object_id AND c.column_id = ic.column_id
        WHERE i.is_primary_key OR i.is_unique_constraint;
      CREATE VIEW ${infoSchema}.VIEWS AS SELECT ${quoteString(this.database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME FROM ${m}.objects o
        JOIN ${m}.schemas s ON s.schema_id = o.schema_id WHERE o.type = 'V';
      CREATE MACRO ${m}.name_part(n, k) AS
        list_reverse(string_split(replace(replace(replace(n, '[', ''), ']', ''), '"', ''), '.'))[k];
      CREATE MACRO ${m}.object_id(n, t := NULL) AS (
        SELECT min(o.object_id) FROM ${m}.objects o JOIN ${m}.schemas s ON s.schema_id = o.schema_id
        WHERE lower(o.name) = lower(${m}.name_part(n, 1))
          AND lower(s.name) = lower(coalesce(nullif(${m}.name_part(n, 2), ''), 'dbo'))
          AND (${m}.name_part(n, 3) IS NULL OR lower(${m}.name_part(n, 3)) = ${quoteString(this.database.toLowerCase())})
          AND (t IS NULL OR trim(o.type) = trim(t)));
    `);
  }

  /** A partition function by name (case-insensitive). */
  partitionFunction(name: string): PartitionFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  /** A partition scheme by name (case-insensitive). */
  partitionScheme(name: string): PartitionScheme | undefined {
    return this.schemes.get(name.toLowerCase());
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
          `INSERT INTO ${m}.indexes VALUES (${table.objectId}, NULL, 0, 0, 'HEAP', false, false, false, ${dataSpace})`,
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
          `INSERT INTO ${m}.indexes VALUES (${table.objectId}, ${quoteString(pk.name)}, 1, 1, 'CLUSTERED', true, true, false, ${dataSpace})`,
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
    }
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
      const number = partitionNumberSql(fn, quoteIdent(t.partition.column));
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
