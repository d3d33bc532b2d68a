export { type CliIo, EXIT, main } from './cli-main.js';
export { Pipeline, type PipelineDeps, type RunOptions } from './pipeline.js';
export { newRunId } from './run-id.js';
export type { PlanSummary, RunSummary, TableSummary } from './run-summary.js';
