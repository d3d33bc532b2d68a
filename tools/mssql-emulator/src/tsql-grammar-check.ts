/**
 * Checks that statements are T-SQL with a real T-SQL grammar, and collects every statement a
 * test run sent to the emulator so that the check runs over all of them (vitest global setup).
 *
 * The grammar is ANTLR's TSqlParser (grammars-v4), prebuilt for the antlr4ts runtime by the
 * `antlr4ts-sql` package. It was chosen over `@polyglot-sql/sdk`'s `validate(sql, 'tsql')` (a
 * sqlglot port) because it is stricter: polyglot accepts `LIMIT 5`, `a::int`, `ILIKE` and
 * backtick identifiers, TSqlParser rejects all four. Both wrongly reject `$PARTITION.pf(x)`,
 * hence the pre-processing below.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAPTURE_ENV } from './capture-env.js';
import { shapeGrammarGaps } from './tsql-grammar-gaps.js';

/**
 * The absolute path of this module as built (`dist/tsql-grammar-check.js`), for vitest's
 * `globalSetup`: its `setup` makes the emulator capture every statement clients send (see
 * {@link CAPTURE_ENV}) into a temporary directory, and its `teardown` fails the run listing
 * every captured statement that is not T-SQL.
 *
 * @example
 * // vitest.config.ts
 * import { tsqlCaptureGlobalSetup } from '@sync/mssql-emulator';
 * import { defineConfig } from 'vitest/config';
 * export default defineConfig({ test: { globalSetup: [tsqlCaptureGlobalSetup] } });
 */
export const tsqlCaptureGlobalSetup: string = fileURLToPath(import.meta.url);

/** Parts of a statement: code, or text the checks must not look into. */
interface Segment {
  readonly code: boolean;
  readonly text: string;
}

/** Splits T-SQL into code and literals/quoted identifiers/comments, which are kept verbatim. */
function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  const flush = (): void => {
    if (code !== '') {
      out.push({ code: true, text: code });
      code = '';
    }
  };
  const until = (start: number, close: string, doubled: boolean): number => {
    let j = start;
    for (;;) {
      const k = sql.indexOf(close, j);
      if (k < 0) {
        return sql.length;
      }
      if (doubled && sql.startsWith(close, k + close.length)) {
        j = k + 2 * close.length;
        continue;
      }
      return k + close.length;
    }
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    let end = -1;
    if (c === "'") {
      end = until(i + 1, "'", true);
    } else if (c === '[') {
      end = until(i + 1, ']', true);
    } else if (c === '"') {
      end = until(i + 1, '"', true);
    } else if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      end = nl < 0 ? sql.length : nl;
    } else if (sql.startsWith('/*', i)) {
      end = until(i + 2, '*/', false);
    }
    if (end < 0) {
      code += c;
      i++;
    } else {
      flush();
      out.push({ code: false, text: sql.slice(i, end) });
      i = end;
    }
  }
  flush();
  return out;
}

/**
 * Constructs TSqlParser tolerates (or that other SQL dialects spell differently and might
 * slip in) that SQL Server rejects: each is refused before the grammar runs, with a clear
 * message. Identifiers the extractor writes are always bracketed, so a bare TRUE/FALSE/LIMIT
 * word is never a column name.
 */
const notTsql: readonly [RegExp, string][] = [
  [/\bLIMIT\b/i, 'LIMIT (T-SQL pages with TOP or OFFSET … FETCH)'],
  [/::/, '`::` casts (T-SQL uses CAST/CONVERT)'],
  [/\bILIKE\b/i, 'ILIKE (T-SQL has LIKE, case-insensitive by collation)'],
  [/`/, 'backtick identifiers (T-SQL quotes with [ ] or " ")'],
  [/\|\|/, '`||` string concatenation (T-SQL uses + or CONCAT)'],
  [/\b(?:TRUE|FALSE)\b/i, 'boolean literals TRUE/FALSE (T-SQL has none; bit is 1/0)'],
  [/\bNULLS\s+(?:FIRST|LAST)\b/i, 'NULLS FIRST/LAST'],
  [/\bRETURNING\b/i, 'RETURNING (T-SQL uses OUTPUT)'],
];

/**
 * Rewrites valid T-SQL that TSqlParser's grammar lacks into an equivalent shape it parses;
 * nothing here makes non-T-SQL pass.
 *
 * - `$PARTITION.pf(x)` (SQL Server's partition-number function, valid since 2005) becomes the
 *   function-call shape `[$PARTITION].pf(x)`: the grammar has no `$PARTITION` rule.
 * - `SET TEXTSIZE n` (sent by tedious in every login batch) becomes `SET ROWCOUNT n`, the same
 *   `SET <option> <number>` shape: the grammar does not list TEXTSIZE.
 */
function grammarShape(code: string): string {
  return code
    .replace(/\$PARTITION\s*\.\s*/gi, '[$PARTITION].')
    .replace(/\bSET\s+TEXTSIZE\b/gi, 'SET ROWCOUNT');
}

interface Antlr {
  check(sql: string): string[];
}

let antlr: Promise<Antlr> | undefined;

/** Loads the ANTLR lexer and parser once, on first use (they are large). */
function loadAntlr(): Promise<Antlr> {
  antlr ??= (async () => {
    const m = await import('antlr4ts-sql');
    return {
      check(sql: string): string[] {
        const errors: string[] = [];
        const listener = {
          syntaxError: (_r: unknown, _s: unknown, line: number, column: number, msg: string): void => {
            errors.push(`${line}:${column} ${msg}`);
          },
        };
        // T-SQL keywords are case-insensitive; the grammar's tokens are upper case.
        const lexer = new m.TSqlLexer(new m.CaseChangingStream(m.CharStreams.fromString(sql), true));
        lexer.removeErrorListeners();
        lexer.addErrorListener(listener);
        const parser = new m.TSQLGrammar.TSqlParser(new m.CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(listener);
        parser.tsql_file();
        return errors;
      },
    };
  })();
  return antlr;
}

/**
 * Checks that `sql` (one batch or sp_executesql statement) is T-SQL: the constructs of other
 * dialects listed above are refused, then ANTLR's TSqlParser must parse it without error.
 * Resolves to the problems found; empty when it is T-SQL.
 *
 * @example
 * await checkTsql('SELECT TOP (5) [a] FROM [dbo].[t]'); // []
 * await checkTsql('SELECT a FROM t LIMIT 5'); // ['not T-SQL: LIMIT (…)', …]
 */
export async function checkTsql(sql: string): Promise<string[]> {
  const parts = segments(shapeGrammarGaps(sql));
  const code = parts
    .filter((p) => p.code)
    .map((p) => p.text)
    .join(' ');
  const problems = notTsql.filter(([re]) => re.test(code)).map(([, what]) => `not T-SQL: ${what}`);
  const shaped = parts.map((p) => (p.code ? grammarShape(p.text) : p.text)).join('');
  const { check } = await loadAntlr();
  return [...problems, ...check(shaped)];
}

/** vitest global setup: start capturing into a fresh temporary directory. */
export async function setup(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sqlsync-tsql-capture-'));
  // Set before vitest starts its workers, which (and whose child processes) inherit it.
  process.env[CAPTURE_ENV] = dir;
}

/** vitest global teardown: check every captured statement; throw listing the ones that are not T-SQL. */
export async function teardown(): Promise<void> {
  const dir = process.env[CAPTURE_ENV];
  if (dir === undefined || dir === '') {
    return;
  }
  const seen = new Set<string>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      if (line.trim() !== '') {
        seen.add((JSON.parse(line) as { sql: string }).sql);
      }
    }
  }
  const failures: string[] = [];
  for (const sql of seen) {
    const problems = await checkTsql(sql);
    if (problems.length > 0) {
      // ANTLR lists every token it expected: keep the start of each message.
      const short = problems.slice(0, 3).map((p) => (p.length > 200 ? `${p.slice(0, 200)}…` : p));
      failures.push(`${sql}\n    → ${short.join('\n    → ')}`);
    }
  }
  if (failures.length > 0) {
    // vitest reports a teardown error but keeps the exit status it computed from the tests.
    process.exitCode = 1;
    throw new Error(
      `${failures.length} of ${seen.size} statements sent to the SQL Server emulator are not T-SQL ` +
        `(captured in ${dir}):\n\n${failures.join('\n\n')}`,
    );
  }
  console.log(`T-SQL grammar check: ${seen.size} distinct statements sent to the emulator, all T-SQL.`);
  await rm(dir, { recursive: true, force: true });
}
