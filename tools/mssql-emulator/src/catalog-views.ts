import { quoteString } from './sql-quoting.js';
import { systemTypes } from './types/sql-type.js';

/** The DuckDB schema holding the emulator's own metadata tables.
 *
 * @example
 * `SELECT * FROM ${metaSchema}.objects` */
export const metaSchema = '__emulator';
/** The DuckDB schema T-SQL's `INFORMATION_SCHEMA` resolves to (DuckDB has its own).
 *
 * @example
 * `SELECT * FROM ${infoSchema}.TABLES` */
export const infoSchema = 'tsql_information_schema';

const m = metaSchema;

/** The emulator's metadata tables (what the catalog views read), the rowversion sequence and `sys.types`' rows. */
function metadataTablesSql(): string {
  const typeRows = systemTypes
    .map(
      (t) =>
        `(${t.systemTypeId}, ${t.userTypeId}, ${quoteString(t.name)}, ${t.maxLength}, ${t.precision}, ${t.scale})`,
    )
    .join(', ');
  return `
      CREATE SCHEMA ${m};
      CREATE SCHEMA dbo;
      CREATE SCHEMA sys;
      CREATE SCHEMA ${infoSchema};
      CREATE SEQUENCE ${m}.rowversion START 2001;
      CREATE TABLE ${m}.database_options (snapshot_isolation_state UTINYINT, snapshot_isolation_state_desc VARCHAR);
      INSERT INTO ${m}.database_options VALUES (0, 'OFF');
      CREATE TABLE ${m}.schemas (schema_id INTEGER, name VARCHAR);
      INSERT INTO ${m}.schemas VALUES (1, 'dbo'), (2, 'guest'), (3, 'INFORMATION_SCHEMA'), (4, 'sys');
      CREATE TABLE ${m}.objects (object_id INTEGER, name VARCHAR, schema_id INTEGER, parent_object_id INTEGER,
        type VARCHAR, type_desc VARCHAR, create_date TIMESTAMP, modify_date TIMESTAMP);
      CREATE TABLE ${m}.columns (object_id INTEGER, column_id INTEGER, name VARCHAR, type_name VARCHAR,
        system_type_id UTINYINT, user_type_id INTEGER, max_length SMALLINT, precision UTINYINT, scale UTINYINT,
        is_nullable BOOLEAN, is_identity BOOLEAN, default_text VARCHAR);
      CREATE TABLE ${m}.indexes (object_id INTEGER, name VARCHAR, index_id INTEGER, type UTINYINT,
        type_desc VARCHAR, is_unique BOOLEAN, is_primary_key BOOLEAN, is_unique_constraint BOOLEAN,
        data_space_id INTEGER, filter_definition VARCHAR);
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
      CREATE TABLE ${m}.connections (session_id SMALLINT, encrypt_option VARCHAR, auth_scheme VARCHAR);
`;
}

/** The `sys` catalog views, with SQL Server's column names over the metadata tables. */
function sysViewsSql(database: string): string {
  return `      CREATE VIEW sys.schemas AS SELECT name, schema_id, 1 AS principal_id FROM ${m}.schemas;
      CREATE VIEW sys.objects AS SELECT name, object_id, CAST(NULL AS INTEGER) AS principal_id, schema_id,
        parent_object_id, type, type_desc, create_date, modify_date, false AS is_ms_shipped,
        false AS is_published, false AS is_schema_published FROM ${m}.objects;
      CREATE VIEW sys.tables AS SELECT *, 0 AS lob_data_space_id, false AS uses_ansi_nulls,
        CAST(0 AS UTINYINT) AS temporal_type, 'NON_TEMPORAL_TABLE' AS temporal_type_desc,
        false AS is_memory_optimized, false AS is_external, false AS is_node, false AS is_edge
        FROM sys.objects WHERE type = 'U';
      CREATE VIEW sys.dm_exec_connections AS SELECT session_id, most_recent_session_id, encrypt_option,
        auth_scheme, 'TCP' AS net_transport, 'TSQL' AS protocol_type FROM (SELECT *, session_id AS most_recent_session_id
        FROM ${m}.connections);
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
        true AS allow_row_locks, true AS allow_page_locks, filter_definition IS NOT NULL AS has_filter,
        filter_definition FROM ${m}.indexes;
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
      CREATE VIEW sys.databases AS SELECT ${quoteString(database)} AS name, 5 AS database_id,
        'SQL_Latin1_General_CP1_CI_AS' AS collation_name, CAST(160 AS UTINYINT) AS compatibility_level,
        CAST(0 AS UTINYINT) AS state, 'ONLINE' AS state_desc, false AS is_read_only,
        CAST(1 AS UTINYINT) AS recovery_model, 'FULL' AS recovery_model_desc,
        snapshot_isolation_state, snapshot_isolation_state_desc, false AS is_read_committed_snapshot_on
        FROM ${m}.database_options;
`;
}

/** T-SQL's `INFORMATION_SCHEMA` views (in DuckDB schema {@link infoSchema}). */
function informationSchemaSql(database: string): string {
  return `      CREATE VIEW ${infoSchema}.TABLES AS SELECT ${quoteString(database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME,
        CASE WHEN o.type = 'V' THEN 'VIEW' ELSE 'BASE TABLE' END AS TABLE_TYPE
        FROM ${m}.objects o JOIN ${m}.schemas s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V');
      CREATE VIEW ${infoSchema}.COLUMNS AS SELECT ${quoteString(database)} AS TABLE_CATALOG,
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
      CREATE VIEW ${infoSchema}.SCHEMATA AS SELECT ${quoteString(database)} AS CATALOG_NAME,
        name AS SCHEMA_NAME, 'dbo' AS SCHEMA_OWNER FROM ${m}.schemas;
      CREATE VIEW ${infoSchema}.TABLE_CONSTRAINTS AS SELECT ${quoteString(database)} AS CONSTRAINT_CATALOG,
        s.name AS CONSTRAINT_SCHEMA, o.name AS CONSTRAINT_NAME, ${quoteString(database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, t.name AS TABLE_NAME,
        CASE o.type WHEN 'PK' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END AS CONSTRAINT_TYPE
        FROM ${m}.objects o JOIN ${m}.objects t ON t.object_id = o.parent_object_id
        JOIN ${m}.schemas s ON s.schema_id = o.schema_id WHERE o.type IN ('PK', 'UQ');
      CREATE VIEW ${infoSchema}.KEY_COLUMN_USAGE AS SELECT ${quoteString(database)} AS CONSTRAINT_CATALOG,
        s.name AS CONSTRAINT_SCHEMA, i.name AS CONSTRAINT_NAME, ${quoteString(database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, t.name AS TABLE_NAME, c.name AS COLUMN_NAME, ic.key_ordinal AS ORDINAL_POSITION
        FROM ${m}.indexes i JOIN ${m}.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        JOIN ${m}.objects t ON t.object_id = i.object_id JOIN ${m}.schemas s ON s.schema_id = t.schema_id
        JOIN ${m}.columns c ON c.object_id = i.object_id AND c.column_id = ic.column_id
        WHERE i.is_primary_key OR i.is_unique_constraint;
      CREATE VIEW ${infoSchema}.VIEWS AS SELECT ${quoteString(database)} AS TABLE_CATALOG,
        s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME FROM ${m}.objects o
        JOIN ${m}.schemas s ON s.schema_id = o.schema_id WHERE o.type = 'V';
`;
}

/** Macros behind OBJECT_ID(). */
function objectIdMacrosSql(database: string): string {
  return `      CREATE MACRO ${m}.name_part(n, k) AS
        list_reverse(string_split(replace(replace(replace(n, '[', ''), ']', ''), '"', ''), '.'))[k];
      CREATE MACRO ${m}.object_id(n, t := NULL) AS (
        SELECT min(o.object_id) FROM ${m}.objects o JOIN ${m}.schemas s ON s.schema_id = o.schema_id
        WHERE lower(o.name) = lower(${m}.name_part(n, 1))
          AND lower(s.name) = lower(coalesce(nullif(${m}.name_part(n, 2), ''), 'dbo'))
          AND (${m}.name_part(n, 3) IS NULL OR lower(${m}.name_part(n, 3)) = ${quoteString(database.toLowerCase())})
          AND (t IS NULL OR trim(o.type) = trim(t)));
    `;
}

/**
 * The DuckDB SQL that creates an emulated database's catalog: metadata tables, the `sys` and
 * `INFORMATION_SCHEMA` views, and the macros behind OBJECT_ID().
 *
 * @example
 * await connection.run(catalogSql('master'));
 */
export function catalogSql(database: string): string {
  return [
    metadataTablesSql(),
    sysViewsSql(database),
    informationSchemaSql(database),
    objectIdMacrosSql(database),
  ].join('');
}
