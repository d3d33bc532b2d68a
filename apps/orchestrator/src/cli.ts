#!/usr/bin/env node
import { main } from './cli-main.js';
import { driverFaultLogLine, guardDriverFaults } from './unit-task.js';

// A source driver fault raised outside any request (tedious's own timers) would end the process
// with no summary line; the request it hit fails by itself, so the run goes on to its summary.
guardDriverFaults((error) => process.stderr.write(driverFaultLogLine(error, 'sqlsync')));

const code = await main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  ...(process.stderr.isTTY === true
    ? {
        stderrTerminal: {
          write: (text: string) => process.stderr.write(text),
          get columns() {
            return process.stderr.columns;
          },
        },
      }
    : {}),
});
// Let stdout drain before exiting, so the summary line is never cut off in a pipe.
process.stdout.write('', () => process.exit(code));
