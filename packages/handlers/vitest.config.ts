import { tsqlCaptureGlobalSetup } from '@sync/mssql-emulator';
import { defineConfig } from 'vitest/config';

// Every statement this suite sends to the SQL Server emulator is captured and must parse as
// T-SQL; the run fails at teardown listing any that does not (see @sync/mssql-emulator).
export default defineConfig({
  // Several projects' tests run at once on CI's 2 cores: the default timeout catches hangs, it
  // times nothing (speed is measured by `npm run bench`).
  test: { globalSetup: [tsqlCaptureGlobalSetup], testTimeout: 60_000, hookTimeout: 120_000 },
});
