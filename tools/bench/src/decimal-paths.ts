import { SourceConnection, type TableReadPlan } from '@sync/extract-mssql';
import type { Measured } from './baselines.js';
import { FACT_FLOAT_TABLE, FACT_SCHEMA, FACT_TABLE, type FactVariant } from './fact-table.js';
import type { MeasureSpec } from './measurement.js';
import { sourceOptions } from './source-options.js';
import { sectionFigures, timeSection } from './timed-section.js';

/** The columns of the decimal-only projection: the key and the two decimal (or float) columns. */
const DECIMAL_PROJECTION = ['Id', 'Amount', 'Rate'];

/**
 * Extraction only (`SourceConnection.read` into Arrow batches, no Parquet) of the fact table with
 * its decimals read exactly — decimal(19,4) and decimal(38,10) exceed a double's 15 digits, so
 * sqlsync reads them as `CONVERT(varchar(41), …)` text — or of `FactFloat`, the same rows with both
 * columns declared `float` (8-byte FLTN on the wire, a double in JS). `projection` reads only the
 * key and the two columns, which isolates their cost from the rest of the row.
 */
export async function decimalPath(
  spec: MeasureSpec,
  variant: FactVariant,
  projection: boolean,
): Promise<Measured> {
  const source = await SourceConnection.open(sourceOptions(spec.endpoint));
  try {
    const described = await source.describe(
      FACT_SCHEMA,
      variant === 'decimal' ? FACT_TABLE : FACT_FLOAT_TABLE,
    );
    const plan = projection ? project(described, DECIMAL_PROJECTION) : described;
    const stream = source.read(plan);
    const section = await timeSection(async () => {
      let rows = 0;
      for await (const batch of stream) {
        rows += batch.numRows;
      }
      return rows;
    });
    return {
      status: 'ok',
      rows: section.value,
      ...sectionFigures(section),
      details: { statement: stream.statement, batches: stream.stats.batches, pauses: stream.stats.pauses },
    };
  } finally {
    await source.close();
  }
}

/** The plan restricted to the named columns, in their table order. */
function project(plan: TableReadPlan, names: readonly string[]): TableReadPlan {
  const columns = plan.columns.filter((c) => names.includes(c.column.name));
  return { schema: { ...plan.schema, columns: columns.map((c) => c.column) }, columns };
}
