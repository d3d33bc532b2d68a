import type { Logger, PipelineConfig } from '@sync/core';
import type { SourceConnection } from '@sync/extract-mssql';

/** What a unit needs to run, passed in (no singletons). */
export interface UnitContext {
  readonly config: PipelineConfig;
  readonly source: SourceConnection;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}
