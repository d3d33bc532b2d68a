export { Pipeline, type PipelineDeps, type RunOptions } from './pipeline.js';
export type { PlanSummary, RunSummary, TableSummary } from './run-summary.js';
