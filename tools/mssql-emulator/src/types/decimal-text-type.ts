import type { SqlType } from './sql-type.js';

/**
 * A varchar/nvarchar result column whose DuckDB values are still DECIMAL: the translator leaves a
 * top-level `CONVERT(nvarchar(n), <decimal>)` to the row encoder, which writes SQL Server's text
 * (`-123.4500`) straight from the vector. DuckDB's own DECIMAL(19..38) → VARCHAR cast costs
 * ~0.6 µs per value, several times what the rest of a row costs to stream.
 */
export interface DecimalTextType extends SqlType {
  readonly decimalText: true;
}

/** Whether a result column is a decimal written as text by the row encoder. */
export function isDecimalText(type: SqlType): type is DecimalTextType {
  return (type as Partial<DecimalTextType>).decimalText === true;
}
