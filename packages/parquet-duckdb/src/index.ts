export { LakeLayout, NULL_PARTITION } from './lake-layout.js';
export {
  LakeUpsert,
  type LakeUpsertRequest,
  type UpsertCounts,
  type UpsertWriteOptions,
} from './lake-upsert.js';
export { type ParquetFooterFacts, readParquetFooter } from './parquet-footer.js';
export { readParquetMetadata } from './parquet-metadata.js';
export type { DuplicateKey, NullCount, QualityFigures, QualityQuery } from './parquet-quality.js';
export { readQualityFigures } from './parquet-quality.js';
export type { ParquetSource } from './parquet-source.js';
export type { ParquetStats, StatsColumn } from './parquet-stats.js';
export { readParquetStats } from './parquet-stats.js';
export type {
  ParquetCompression,
  ParquetTarget,
  ParquetWriteOptions,
  ParquetWriteResult,
} from './parquet-write-options.js';
export { DEFAULT_ROW_GROUP_SIZE, DEFAULT_ROWS_PER_FILE } from './parquet-write-options.js';
export { ParquetWriter } from './parquet-writer.js';
export type { PublishPartitionRequest, PublishTableRequest } from './publish.js';
export { publishPartition, publishTable } from './publish.js';
export type { LakeRecovery, RecoveredPublish } from './recover-journals.js';
export { recoverJournals, recoverLake } from './recover-journals.js';
export type { PublishResult, ReplaceDirectoryRequest } from './replace-directory.js';
export { replaceDirectory } from './replace-directory.js';
export {
  SCD_BUCKET_HASH,
  SCD_DELETED_AT,
  type ScdDateType,
  type ScdHistoryColumns,
  scdBucketDirName,
  scdBucketSql,
  scdDeletedAtSql,
  scdEndOfTimeSql,
  scdHistorySql,
} from './scd-history-sql.js';
export { checkScdIntegrity } from './scd-integrity.js';
export {
  REPAIRED_BY_METADATA,
  repairScdHistory,
  type ScdRepairRequest,
  type ScdRepairResult,
} from './scd-integrity-repair.js';
export {
  SCD_RULES,
  type ScdColumnNames,
  type ScdIntegrityReport,
  type ScdRepairPlan,
  type ScdRule,
  type ScdRuleViolations,
  type ScdVersionRow,
  type ScdViolation,
} from './scd-integrity-report.js';
export type { ScdIntegrityRequest } from './scd-integrity-session.js';
export {
  type ScdBucketWrite,
  ScdMerge,
  type ScdMergeCounts,
  type ScdMergeRequest,
  type ScdMergeResult,
  type ScdMergeTarget,
} from './scd-merge.js';
export type { SweptLeftover } from './sweep-leftovers.js';
export { writeParquet } from './write-parquet.js';
