import { tsqlCaptureGlobalSetup } from '@sync/mssql-emulator';
import { defineConfig } from 'vitest/config';

// Every statement this suite sends to the SQL Server emulator is captured and must parse as
// T-SQL; the run fails at teardown listing any that does not (see @sync/mssql-emulator).
export default defineConfig({
  test: { globalSetup: [tsqlCaptureGlobalSetup] },
});
