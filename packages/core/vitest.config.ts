import { defineConfig } from 'vitest/config';

// CI runs several projects' tests at once on 2 cores, where a test doing real work (a DuckDB
// query, an emulator round trip, ANTLR's first parse) can take seconds. The default timeout is
// there to catch hangs, not to time anything: speed is measured by `npm run bench`.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
});
