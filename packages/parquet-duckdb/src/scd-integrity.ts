import type { ScdIntegrityReport } from './scd-integrity-report.js';
import { type ScdIntegrityRequest, ScdIntegritySession } from './scd-integrity-session.js';

/**
 * Checks the SCD2 history of one lake table against the integrity rules (`ScdRule`): reads every
 * `bucket=<nn>/*.parquet` of the table directory (all of it, in one private DuckDB session that
 * spills beyond `memoryLimitMb`) and returns, per rule, the number of violations and the first
 * `examplesPerRule` of them with their versions, files and buckets, plus what a repair would
 * rewrite. Writes nothing. A table directory with no bucket file is a valid, empty history.
 * Throws `VALIDATION_FAILED` when a file cannot be read or lacks one of the SCD2 columns, and
 * `CONFIG_INVALID` when `businessKey` differs from the files' `sqlsync.scd.business_key`.
 *
 * @example
 * const report = await checkScdIntegrity({
 *   tableDir: '/lake/crm/customers',
 *   columns: { effectiveDate: 'effective_date', endDate: 'end_date', isLatest: 'IsLatest', isDeleted: 'IsDeleted' },
 * });
 * report.valid;                       // false
 * report.violations.overlaps.count;   // 1
 * report.violations.overlaps.examples[0]; // { key: { CustomerId: '7' }, versions: [v, w] }
 */
export async function checkScdIntegrity(request: ScdIntegrityRequest): Promise<ScdIntegrityReport> {
  const session = await ScdIntegritySession.open(request);
  try {
    return await session.report();
  } finally {
    session.close();
  }
}
