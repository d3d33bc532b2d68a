import { SqlSyncError } from '@sync/core';
import type { SourcePartitionScheme } from '@sync/extract-mssql';
import { declarationOf, quoteName, type WarehouseColumn } from './warehouse-columns.js';
import type { WarehouseConnection } from './warehouse-connection.js';

/** What a warehouse table must be: its columns, key and (for switching) partition function. */
export interface WarehouseTableSpec {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly WarehouseColumn[];
  /** Primary key columns (the source's); none: a heap. */
  readonly primaryKey: readonly string[];
  /** The source's partition function and column, when the table is to be switched into. */
  readonly partitioning?: SourcePartitionScheme;
}

/** `[schema].[table]`. */
export function tableName(schema: string, table: string): string {
  return `${quoteName(schema)}.${quoteName(table)}`;
}

const nstr = (text: string): string => `N'${text.replace(/'/g, "''")}'`;

/**
 * A T-SQL literal of a partition boundary (text as `@sync/extract-mssql` reads it: ISO 8601 for
 * dates) typed as the partition column.
 *
 * @example
 * boundaryLiteral('2024-01-01T00:00:00.000Z', { typeName: 'date', declaration: 'date' }) // "CONVERT(date, N'2024-01-01', 126)"
 */
export function boundaryLiteral(
  text: string,
  column: Pick<WarehouseColumn, 'typeName' | 'declaration'>,
): string {
  const iso = /^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d:\d\d(?:\.\d+)?))?Z?$/.exec(text);
  if (iso !== null && ['date', 'datetime', 'datetime2', 'smalldatetime'].includes(column.typeName)) {
    const value =
      column.typeName === 'date' || iso[2] === undefined ? (iso[1] as string) : `${iso[1]}T${iso[2]}`;
    return `CONVERT(${column.declaration}, ${nstr(value)}, 126)`;
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return `CAST(${text} AS ${column.declaration})`;
  }
  return `CAST(${nstr(text)} AS ${column.declaration})`;
}

/** The partition function and scheme names the warehouse uses for a source function. */
export function warehousePartitionNames(scheme: SourcePartitionScheme): { fn: string; ps: string } {
  return { fn: scheme.functionName, ps: scheme.schemeName };
}

/**
 * The T-SQL creating a table of `spec`'s columns and key, on `[PRIMARY]` or on the partition
 * scheme by the partition column.
 *
 * @example
 * createTableSql(spec, tableName('warehouse', 'Orders'), 'ps') // 'CREATE TABLE [warehouse].[Orders] (…) ON [ps]([OrderDate])'
 */
export function createTableSql(
  spec: WarehouseTableSpec,
  name: string,
  constraintSuffix: string,
  onScheme?: string,
): string {
  const cols = spec.columns.map(
    (c) => `${quoteName(c.name)} ${c.declaration} ${c.nullable ? 'NULL' : 'NOT NULL'}`,
  );
  if (spec.primaryKey.length > 0) {
    cols.push(
      `CONSTRAINT ${quoteName(`PK_${constraintSuffix}`)} PRIMARY KEY CLUSTERED (${spec.primaryKey.map(quoteName).join(', ')})`,
    );
  }
  const on =
    onScheme === undefined || spec.partitioning === undefined
      ? ' ON [PRIMARY]'
      : ` ON ${quoteName(onScheme)}(${quoteName(spec.partitioning.column)})`;
  return `CREATE TABLE ${name} (${cols.join(', ')})${on};`;
}

/** A warehouse table's definition as its catalog has it. */
interface ExistingTable {
  readonly columns: { name: string; declaration: string; nullable: boolean }[];
  readonly primaryKey: string[];
  readonly partition?: { fn: string; column: string; rangeRight: boolean; fanout: number };
}

async function existingTable(
  dw: WarehouseConnection,
  spec: WarehouseTableSpec,
): Promise<ExistingTable | undefined> {
  const object = `OBJECT_ID(${nstr(tableName(spec.schema, spec.table))}, N'U')`;
  const found = await dw.execute(`SELECT ${object} AS object_id;`);
  if (found[0]?.object_id === null || found[0]?.object_id === undefined) {
    return undefined;
  }
  const columns = await dw.execute(
    `SELECT c.name, t.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable FROM sys.columns AS c JOIN sys.types AS t ON t.user_type_id = c.user_type_id WHERE c.object_id = ${object} ORDER BY c.column_id;`,
  );
  const key = await dw.execute(
    `SELECT c.name FROM sys.indexes AS i JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = ${object} AND i.is_primary_key = 1 ORDER BY ic.key_ordinal;`,
  );
  const partition = await dw.execute(
    `SELECT pf.name AS function_name, pf.boundary_value_on_right, pf.fanout, c.name AS column_name FROM sys.indexes AS i JOIN sys.partition_schemes AS ps ON ps.data_space_id = i.data_space_id JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1 JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = ${object} AND i.index_id IN (0, 1);`,
  );
  const p = partition[0];
  return {
    columns: columns.map((r) => ({
      name: String(r.name),
      declaration: declarationOf({
        sqlType: String(r.type_name),
        maxLength: Number(r.max_length),
        precision: Number(r.precision),
        scale: Number(r.scale),
      }),
      nullable: r.is_nullable === true || r.is_nullable === 1,
    })),
    primaryKey: key.map((r) => String(r.name)),
    ...(p === undefined
      ? {}
      : {
          partition: {
            fn: String(p.function_name),
            column: String(p.column_name),
            rangeRight: p.boundary_value_on_right === true || p.boundary_value_on_right === 1,
            fanout: Number(p.fanout),
          },
        }),
  };
}

/** What {@link checkWarehouseTable} found. */
export interface WarehouseTableCheck {
  /** False: the table does not exist yet (it can be created). */
  readonly exists: boolean;
  /** Each difference that stops a load, in words naming the column, key or function. */
  readonly mismatches: readonly string[];
  /** True when the table sits on a partition function aligned with the source's: switching works. */
  readonly switchable: boolean;
}

/**
 * Compares the warehouse table with `spec` before any data moves: the same columns in order
 * (name, type, nullability), the same primary key, and — for switching — a partition function
 * on the same column, of the same side (RANGE LEFT/RIGHT) and boundaries as the source's (each
 * source boundary probed with `$PARTITION`).
 *
 * @example
 * const check = await checkWarehouseTable(dw, spec);
 * if (check.mismatches.length > 0) throw …;
 */
export async function checkWarehouseTable(
  dw: WarehouseConnection,
  spec: WarehouseTableSpec,
): Promise<WarehouseTableCheck> {
  const existing = await existingTable(dw, spec);
  if (existing === undefined) {
    return { exists: false, mismatches: [], switchable: spec.partitioning !== undefined };
  }
  const where = `${spec.schema}.${spec.table}`;
  const mismatches: string[] = [];
  for (const want of spec.columns) {
    const have = existing.columns.find((c) => c.name.toLowerCase() === want.name.toLowerCase());
    if (have === undefined) {
      mismatches.push(`column ${want.name} is missing from ${where} (expected ${want.declaration})`);
    } else if (have.declaration !== want.declaration) {
      mismatches.push(`column ${want.name} of ${where} is ${have.declaration}, expected ${want.declaration}`);
    } else if (have.nullable !== want.nullable) {
      mismatches.push(
        `column ${want.name} of ${where} is ${have.nullable ? 'NULL' : 'NOT NULL'}, expected ${want.nullable ? 'NULL' : 'NOT NULL'}`,
      );
    }
  }
  for (const have of existing.columns) {
    if (!spec.columns.some((c) => c.name.toLowerCase() === have.name.toLowerCase())) {
      mismatches.push(`column ${have.name} of ${where} is not in the lake table`);
    }
  }
  const order = (cols: readonly WarehouseColumn[] | ExistingTable['columns']) =>
    cols.map((c) => c.name.toLowerCase()).join(',');
  if (mismatches.length === 0 && order(spec.columns) !== order(existing.columns)) {
    mismatches.push(
      `the columns of ${where} are in another order than the lake's (${spec.columns.map((c) => c.name).join(', ')})`,
    );
  }
  const key = (k: readonly string[]) => k.map((c) => c.toLowerCase()).join(',');
  if (key(existing.primaryKey) !== key(spec.primaryKey)) {
    mismatches.push(
      `primary key of ${where} is (${existing.primaryKey.join(', ') || 'none'}), expected (${spec.primaryKey.join(', ') || 'none'})`,
    );
  }
  let switchable = false;
  const source = spec.partitioning;
  const p = existing.partition;
  if (source !== undefined && p !== undefined) {
    const column = spec.columns.find((c) => c.name.toLowerCase() === source.column.toLowerCase());
    const problems: string[] = [];
    if (p.column.toLowerCase() !== source.column.toLowerCase()) {
      problems.push(`${where} is partitioned by ${p.column}, the source by ${source.column}`);
    }
    if (p.rangeRight !== source.rangeRight) {
      problems.push(
        `partition function ${p.fn} is RANGE ${p.rangeRight ? 'RIGHT' : 'LEFT'}, the source's RANGE ${source.rangeRight ? 'RIGHT' : 'LEFT'}`,
      );
    }
    if (p.fanout !== source.boundaries.length + 1) {
      problems.push(
        `partition function ${p.fn} has ${p.fanout} partitions, the source's ${source.boundaries.length + 1}`,
      );
    }
    if (problems.length === 0 && column !== undefined) {
      const probes = source.boundaries.map(
        (b, i) =>
          `SELECT ${i + 1} AS boundary_id, $PARTITION.${quoteName(p.fn)}(${b === null ? 'NULL' : boundaryLiteral(b, column)}) AS partition_number`,
      );
      const rows = probes.length === 0 ? [] : await dw.execute(`${probes.join(' UNION ALL ')};`);
      for (const r of rows) {
        const i = Number(r.boundary_id);
        // A boundary value lies in the partition on its right under RANGE RIGHT, on its left under LEFT.
        const expected = source.rangeRight ? i + 1 : i;
        if (Number(r.partition_number) !== expected) {
          problems.push(
            `partition function ${p.fn} puts the source's boundary ${source.boundaries[i - 1]} in partition ${r.partition_number}, the source in ${expected}`,
          );
        }
      }
    }
    mismatches.push(...problems);
    switchable = problems.length === 0;
  }
  return { exists: true, mismatches, switchable };
}

/**
 * Creates the warehouse table of `spec` (with the source's partition function and scheme when it
 * is partitioned and `withPartitioning`), in one transaction.
 *
 * @example
 * await createWarehouseTable(dw, spec, true);
 */
export async function createWarehouseTable(
  dw: WarehouseConnection,
  spec: WarehouseTableSpec,
  withPartitioning: boolean,
): Promise<void> {
  const statements: string[] = [];
  const source = withPartitioning ? spec.partitioning : undefined;
  let scheme: string | undefined;
  if (source !== undefined) {
    const column = spec.columns.find((c) => c.name.toLowerCase() === source.column.toLowerCase());
    if (column === undefined) {
      throw new SqlSyncError(
        'DESTINATION_SCHEMA',
        `warehouse: partition column ${source.column} is not in the lake table`,
        {
          context: { column: source.column },
        },
      );
    }
    const names = warehousePartitionNames(source);
    scheme = names.ps;
    const fnExists = await dw.execute(
      `SELECT COUNT(*) AS n FROM sys.partition_functions WHERE name = ${nstr(names.fn)};`,
    );
    if (Number(fnExists[0]?.n) === 0) {
      const values = source.boundaries.map((b) => (b === null ? 'NULL' : boundaryLiteral(b, column)));
      statements.push(
        `CREATE PARTITION FUNCTION ${quoteName(names.fn)} (${column.declaration}) AS RANGE ${source.rangeRight ? 'RIGHT' : 'LEFT'} FOR VALUES (${values.join(', ')});`,
      );
    }
    const psExists = await dw.execute(
      `SELECT COUNT(*) AS n FROM sys.partition_schemes WHERE name = ${nstr(names.ps)};`,
    );
    if (Number(psExists[0]?.n) === 0) {
      statements.push(
        `CREATE PARTITION SCHEME ${quoteName(names.ps)} AS PARTITION ${quoteName(names.fn)} ALL TO ([PRIMARY]);`,
      );
    }
  }
  const schemaExists = await dw.execute(`SELECT SCHEMA_ID(${nstr(spec.schema)}) AS id;`);
  if (schemaExists[0]?.id === null || schemaExists[0]?.id === undefined) {
    // CREATE SCHEMA must be alone in its batch.
    await dw.execute(`CREATE SCHEMA ${quoteName(spec.schema)};`);
  }
  for (const s of statements) {
    await dw.execute(s);
  }
  await dw.execute(createTableSql(spec, tableName(spec.schema, spec.table), spec.table, scheme));
}
