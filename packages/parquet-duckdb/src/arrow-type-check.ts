import type { LakeType, SourceSchema } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import { DataType, DateUnit, Precision, type RecordBatch, TimeUnit } from 'apache-arrow';

/**
 * Why an Arrow type does not carry a lake type exactly, or `undefined` when it does.
 * The contract is the extractor's (see `@sync/extract-mssql`): one Arrow type per lake type.
 * A decimal whose Arrow scale differs from the lake scale is refused rather than rescaled,
 * because the raw 128-bit words would otherwise be written with the wrong decimal point.
 */
export function arrowTypeMismatch(type: DataType, lakeType: LakeType): string | undefined {
  const expected = expectedArrowType(lakeType);
  if (!expected.test(type)) {
    return `expected Arrow ${expected.name} for lake type ${lakeType.kind}, got ${String(type)}`;
  }
  return undefined;
}

interface ArrowTypeExpectation {
  readonly name: string;
  readonly test: (type: DataType) => boolean;
}

function int(isSigned: boolean, bitWidth: number): ArrowTypeExpectation {
  return {
    name: `${isSigned ? 'Int' : 'Uint'}${bitWidth}`,
    test: (t) => DataType.isInt(t) && t.isSigned === isSigned && t.bitWidth === bitWidth,
  };
}

function timestamp(unit: TimeUnit, utc: boolean): ArrowTypeExpectation {
  const unitName = unit === TimeUnit.NANOSECOND ? 'Nanosecond' : 'Microsecond';
  return {
    name: `Timestamp${unitName}${utc ? "('UTC')" : ' without time zone'}`,
    test: (t) =>
      DataType.isTimestamp(t) &&
      t.unit === unit &&
      (utc
        ? t.timezone === 'UTC' || t.timezone === '+00:00'
        : t.timezone === null || t.timezone === undefined),
  };
}

function expectedArrowType(lakeType: LakeType): ArrowTypeExpectation {
  switch (lakeType.kind) {
    case 'boolean':
      return { name: 'Bool', test: (t) => DataType.isBool(t) };
    case 'int8':
      return int(true, 8);
    case 'uint8':
      return int(false, 8);
    case 'int16':
      return int(true, 16);
    case 'int32':
      return int(true, 32);
    case 'int64':
      return int(true, 64);
    case 'float32':
      return { name: 'Float32', test: (t) => DataType.isFloat(t) && t.precision === Precision.SINGLE };
    case 'float64':
      return { name: 'Float64', test: (t) => DataType.isFloat(t) && t.precision === Precision.DOUBLE };
    case 'decimal':
      return {
        name: `Decimal(scale ${lakeType.scale}, 128 bits)`,
        test: (t) =>
          DataType.isDecimal(t) &&
          t.bitWidth === 128 &&
          t.scale === lakeType.scale &&
          t.precision <= lakeType.precision,
      };
    case 'string':
    case 'uuid':
      return { name: 'Utf8', test: (t) => DataType.isUtf8(t) };
    case 'binary':
      return { name: 'Binary', test: (t) => DataType.isBinary(t) };
    case 'date':
      return { name: 'DateDay', test: (t) => DataType.isDate(t) && t.unit === DateUnit.DAY };
    case 'time':
      return {
        name: 'TimeMicrosecond',
        test: (t) => DataType.isTime(t) && t.unit === TimeUnit.MICROSECOND && t.bitWidth === 64,
      };
    case 'timestamp_us':
      return timestamp(TimeUnit.MICROSECOND, false);
    case 'timestamp_ns':
      return timestamp(TimeUnit.NANOSECOND, false);
    case 'timestamptz_us':
      return timestamp(TimeUnit.MICROSECOND, true);
  }
}

/**
 * Throws `LAKE_WRITE` unless the batch has exactly the schema's columns, in order, by name,
 * each with the Arrow type its lake type calls for.
 *
 * @example
 * assertBatchMatchesSchema(batch, schema); // before any value is copied
 */
export function assertBatchMatchesSchema(batch: RecordBatch, schema: SourceSchema): void {
  const table = `${schema.schemaName}.${schema.tableName}`;
  const fields = batch.schema.fields;
  if (fields.length !== schema.columns.length) {
    throw new SqlSyncError(
      'LAKE_WRITE',
      `record batch has ${fields.length} columns, the source schema ${schema.columns.length}`,
      { context: { table } },
    );
  }
  schema.columns.forEach((column, index) => {
    const field = fields[index];
    if (field === undefined || field.name !== column.name) {
      throw new SqlSyncError(
        'LAKE_WRITE',
        `record batch column ${index} is named ${JSON.stringify(field?.name)}, expected ${JSON.stringify(column.name)}`,
        { context: { table, column: column.name } },
      );
    }
    const mismatch = arrowTypeMismatch(field.type, column.lakeType);
    if (mismatch !== undefined) {
      throw new SqlSyncError('LAKE_WRITE', mismatch, { context: { table, column: column.name } });
    }
  });
}
