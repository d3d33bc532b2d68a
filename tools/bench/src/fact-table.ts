/**
 * The benchmark's fact table: the 10-column row of issue 6 (int, bigint, datetime2(7), date,
 * decimal(19,4), decimal(38,10), nvarchar(50), nvarchar(200), bit, float), generated
 * deterministically by DuckDB SQL so the emulator's table and baseline B's native table hold the
 * same values.
 */

/** Source schema of every benchmark table. */
export const FACT_SCHEMA = 'dbo';
/** The fact table every sqlsync measurement and baseline A read. */
export const FACT_TABLE = 'Fact';
/**
 * The same rows with both decimal columns declared `float`: what the "double path" reads. A second
 * table (rather than a hand-edited read plan) keeps sqlsync's own catalog mapping in charge.
 */
export const FACT_FLOAT_TABLE = 'FactFloat';
/** The date column the partitioned copy is partitioned by (one lake partition per month). */
export const PARTITION_COLUMN = 'BusinessDate';

/** The ten columns in table order (the emulator may keep hidden side columns, so inserts name them). */
export const FACT_COLUMNS = [
  'Id',
  'AccountId',
  'UpdatedAt',
  PARTITION_COLUMN,
  'Amount',
  'Rate',
  'Code',
  'Description',
  'IsActive',
  'Score',
] as const;

/** The fact table's ten columns selected as a driver user would write it: what baseline A decodes. */
export function plainSelectTsql(): string {
  return `SELECT ${FACT_COLUMNS.map((c) => `[${c}]`).join(', ')} FROM [${FACT_SCHEMA}].[${FACT_TABLE}];`;
}

/** Which variant of the table: exact decimals, or the decimals stored as float. */
export type FactVariant = 'decimal' | 'float';

/** T-SQL `CREATE TABLE` of a variant, so the emulator's catalog knows the SQL Server types. */
export function createFactTableTsql(variant: FactVariant): string {
  const amount = variant === 'decimal' ? 'decimal(19,4)' : 'float';
  const rate = variant === 'decimal' ? 'decimal(38,10)' : 'float';
  const name = variant === 'decimal' ? FACT_TABLE : FACT_FLOAT_TABLE;
  return `CREATE TABLE [${FACT_SCHEMA}].[${name}] (
  [Id] int NOT NULL PRIMARY KEY,
  [AccountId] bigint NOT NULL,
  [UpdatedAt] datetime2(7) NOT NULL,
  [${PARTITION_COLUMN}] date NOT NULL,
  [Amount] ${amount} NULL,
  [Rate] ${rate} NULL,
  [Code] nvarchar(50) NOT NULL,
  [Description] nvarchar(200) NULL,
  [IsActive] bit NOT NULL,
  [Score] float NULL
)`;
}

/**
 * DuckDB `INSERT` of `rows` generated rows into a table, naming the ten columns.
 *
 * @example
 * await emulator.duckdb(insertFactRowsDuckdb('dbo."Fact"', 1_000_000, 'decimal'));
 */
export function insertFactRowsDuckdb(tableName: string, rows: number, variant: FactVariant): string {
  const columns = FACT_COLUMNS.map((c) => `"${c}"`).join(', ');
  return `INSERT INTO ${tableName} (${columns}) ${factRowsDuckdb(rows, variant)}`;
}

/**
 * DuckDB `CREATE TABLE` with the types the emulator stores these SQL Server types as (baseline B's
 * native table).
 */
export function createNativeTableDuckdb(tableName: string): string {
  return `CREATE TABLE ${tableName} (
  "Id" INTEGER NOT NULL, "AccountId" BIGINT NOT NULL, "UpdatedAt" TIMESTAMP NOT NULL,
  "${PARTITION_COLUMN}" DATE NOT NULL, "Amount" DECIMAL(19,4), "Rate" DECIMAL(38,10),
  "Code" VARCHAR NOT NULL, "Description" VARCHAR, "IsActive" BOOLEAN NOT NULL, "Score" DOUBLE)`;
}

/**
 * DuckDB `SELECT` producing `rows` rows of the fact table, in column order. `BusinessDate` runs
 * through the 366 days of 2024 (12 monthly partitions) in `Id` order, as in a fact table loaded
 * day by day, so a month is a contiguous range of rows (a date cycling with every row made each
 * month's read scan the whole table, on the emulator as on a SQL Server without an index on it);
 * decimal(38,10) values have up to 25 significant digits, which no double holds; ~6% NULLs in the
 * nullable columns; some non-ASCII text.
 */
export function factRowsDuckdb(rows: number, variant: FactVariant): string {
  // Built as scaled integers: DuckDB's VARCHAR -> DECIMAL(38,10) cast is ~150x slower than this.
  const amount = `CAST(CAST(CAST((i * 7919) % 1000000000000000 AS HUGEINT) * 10000 + i % 10000 AS DECIMAL(19,0)) * CAST('0.0001' AS DECIMAL(5,4)) * (CASE WHEN i % 5 = 0 THEN -1 ELSE 1 END) AS DECIMAL(19,4))`;
  const rate = `CAST(CAST(CAST((i * 104729) % 1000000000000000 AS HUGEINT) * 10000000000 + (i * 7919) % 10000000000 AS DECIMAL(28,0)) * CAST('0.0000000001' AS DECIMAL(11,10)) AS DECIMAL(38,10))`;
  const asDouble = (expression: string): string =>
    variant === 'decimal' ? expression : `CAST(${expression} AS DOUBLE)`;
  return `SELECT
  CAST(i AS INTEGER),
  1000000000000 + i * 7919,
  TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 6311017),
  DATE '2024-01-01' + CAST(i * 366 // ${rows} AS INTEGER),
  CASE WHEN i % 17 = 0 THEN NULL ELSE ${asDouble(amount)} END,
  CASE WHEN i % 19 = 0 THEN NULL ELSE ${asDouble(rate)} END,
  'ACC-' || CAST(i % 100000 AS VARCHAR),
  CASE WHEN i % 16 = 0 THEN NULL
       WHEN i % 7 = 0 THEN 'Überweisung für Kunde ' || CAST(i % 9973 AS VARCHAR) || ' – Zahlung €'
       ELSE 'Order line ' || CAST(i AS VARCHAR) || ' for customer ' || CAST(i % 9973 AS VARCHAR) END,
  i % 3 <> 0,
  CASE WHEN i % 23 = 0 THEN NULL ELSE CAST(i % 100003 AS DOUBLE) / 7.0 END
FROM range(${rows}) AS t(i)`;
}
