export type { PipelineStatus, TableStatus } from './commands/pipeline-status.js';
export type { ValidationReport } from './commands/validate-tables.js';
export { Pipeline, type PipelineDeps, type RunOptions } from './pipeline.js';
export type { RunProgressEvent } from './run-progress.js';
export type { PlanSummary, RunSummary, TableSummary } from './run-summary.js';
