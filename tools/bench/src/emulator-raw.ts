import { SourceConnection, selectStatement } from '@sync/extract-mssql';
import type { Measured } from './baselines.js';
import { FACT_SCHEMA, FACT_TABLE, plainSelectTsql } from './fact-table.js';
import type { MeasureSpec } from './measurement.js';
import { rawRead } from './raw-tds-reader.js';
import { sourceOptions } from './source-options.js';
import { sectionFigures, timeSection } from './timed-section.js';

/**
 * The emulator's own speed: baseline A's SELECT read by a raw TDS client that counts bytes and
 * takes the row count from the final DONE token, decoding no value. Issue 3 asks for at least
 * 2x baseline A (tedious decoding the same rows), so the emulator is never what we measure. The
 * details add the same raw read of sqlsync's own SELECT (text decimals, integer dates), which
 * costs the server more.
 */
export async function emulatorRaw(spec: MeasureSpec): Promise<Measured> {
  const source = await SourceConnection.open(sourceOptions(spec.endpoint));
  let sqlsyncStatement: string;
  try {
    sqlsyncStatement = selectStatement(await source.describe(FACT_SCHEMA, FACT_TABLE));
  } finally {
    await source.close();
  }
  const statement = plainSelectTsql();
  const section = await timeSection(() => rawRead(spec.endpoint, statement));
  const sqlsync = await timeSection(() => rawRead(spec.endpoint, sqlsyncStatement));
  return {
    status: 'ok',
    rows: section.value.rows,
    ...sectionFigures(section),
    details: {
      statement,
      bytes: section.value.bytes,
      sqlsyncStatement,
      sqlsyncSelectSeconds: section.value.rows === sqlsync.value.rows ? sqlsync.seconds : null,
      sqlsyncSelectBytes: sqlsync.value.bytes,
    },
  };
}
