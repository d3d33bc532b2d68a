import type { PartitionFunction, PartitionScheme } from './partition-functions.js';
import { quoteString } from './sql-quoting.js';
import { SqlServerError, syntaxError } from './sql-server-error.js';
import type { StatementContext } from './statement-context.js';
import { CurCmd, DoneStatus } from './tds/protocol.js';
import { isName, isOp, isWord, matchParen, type Token, tokenize, tokensText } from './tsql/lexer.js';
import { translate } from './tsql/translator.js';
import { duckdbStorageType, typeDeclaration } from './types/sql-type.js';

/**
 * Filegroups a scheme created with an explicit `TO (fg, …)` list has left for new partitions, and
 * whether `ALTER PARTITION SCHEME … NEXT USED` named one; a scheme created with `ALL TO (fg)`
 * always has its one filegroup NEXT USED, so it needs neither.
 */
const nextUsed = new WeakMap<PartitionScheme, { spare: number; marked: boolean }>();

function nameAt(tokens: readonly Token[], i: number): string {
  const t = tokens[i];
  if (t === undefined || !isName(t)) {
    throw syntaxError(t?.text ?? '');
  }
  return t.kind === 'word' ? t.text : t.value;
}

/**
 * A value converted as SQL Server converts a boundary to the function's parameter type, as the
 * text `sys.partition_range_values` keeps (the same conversion `CREATE PARTITION FUNCTION` does).
 */
async function boundaryText(
  ctx: StatementContext,
  fn: PartitionFunction,
  value: readonly Token[],
): Promise<string> {
  const t = translate(
    tokenize(`SELECT CAST(CAST((${tokensText(value)}) AS ${typeDeclaration(fn.type)}) AS nvarchar(4000))`),
    ctx.env(),
  );
  const { values, types } = ctx.bindings(t);
  const reader = await ctx.conn.runAndReadAll(t.sql, values, types);
  const text = reader.getRows()[0]?.[0];
  if (text === null || text === undefined) {
    // SQL Server takes NULL as the lowest boundary; the emulator's $PARTITION does not order NULLs.
    throw new SqlServerError(102, 'A NULL partition boundary value is not supported by the emulator.', {
      severity: 15,
    });
  }
  return String(text);
}

/** For each boundary, whether it is below `text` and whether it equals it (DuckDB's ordering of the stored type). */
async function placeOf(
  ctx: StatementContext,
  fn: PartitionFunction,
  text: string,
): Promise<{ below: number; equalAt: number }> {
  if (fn.boundaries.length === 0) {
    return { below: 0, equalAt: -1 };
  }
  const v = `CAST(${quoteString(text)} AS ${duckdbStorageType(fn.type)})`;
  const reader = await ctx.conn.runAndReadAll(
    `SELECT ${fn.boundaries.map((b) => `(${b} < ${v}), (${b} = ${v})`).join(', ')}`,
  );
  const row = reader.getRows()[0] ?? [];
  let below = 0;
  let equalAt = -1;
  fn.boundaries.forEach((_, i) => {
    if (row[2 * i] === true) {
      below++;
    }
    if (row[2 * i + 1] === true && equalAt < 0) {
      equalAt = i;
    }
  });
  return { below, equalAt };
}

async function replaceBoundaries(
  ctx: StatementContext,
  fn: PartitionFunction,
  texts: string[],
): Promise<void> {
  const storage = duckdbStorageType(fn.type);
  const catalog = ctx.host.catalog;
  await catalog.dropPartitionFunction(ctx.conn, fn.name);
  await catalog.addPartitionFunction(ctx.conn, {
    ...fn,
    boundaries: texts.map((x) => `CAST(${quoteString(x)} AS ${storage})`),
    boundaryTexts: texts,
  });
}

/**
 * Records how many filegroups a new scheme has for partitions it does not hold yet: `ALL TO`
 * never runs out; `TO (fg1, …, fgN)` has N minus the function's partitions spare.
 *
 * @example
 * recordSchemeFilegroups(scheme, { all: false, filegroups: 4, partitions: 3 }) // one spare: one SPLIT without NEXT USED
 */
export function recordSchemeFilegroups(
  scheme: PartitionScheme,
  layout: { readonly all: boolean; readonly filegroups: number; readonly partitions: number },
): void {
  nextUsed.set(scheme, {
    spare: layout.all ? Number.POSITIVE_INFINITY : Math.max(0, layout.filegroups - layout.partitions),
    marked: false,
  });
}

/**
 * `ALTER PARTITION FUNCTION fn() SPLIT RANGE (value)` / `MERGE RANGE (value)` and
 * `ALTER PARTITION SCHEME ps NEXT USED [fg]`, with SQL Server's errors: 7718 for an unknown
 * function, 7721 for a SPLIT at an existing boundary (naming its ordinal), 7715 for a MERGE of a
 * value that is no boundary, 7707 for a SPLIT of a function whose scheme has no NEXT USED
 * filegroup. Storage is not partitioned in the emulator, so only the boundaries change: `$PARTITION`,
 * `sys.partition_range_values` and the per-partition row counts follow them.
 *
 * @example
 * await alterPartitionStatement(ctx, tokenize("ALTER PARTITION FUNCTION pf() SPLIT RANGE ('2024-03-01')"));
 */
export async function alterPartitionStatement(
  ctx: StatementContext,
  tokens: readonly Token[],
): Promise<void> {
  const catalog = ctx.host.catalog;
  if (isWord(tokens[2], 'SCHEME')) {
    const name = nameAt(tokens, 3);
    const scheme = catalog.partitionScheme(name);
    if (scheme === undefined) {
      throw new SqlServerError(7717, `The partition scheme "${name}" does not exist.`, { severity: 16 });
    }
    if (!isWord(tokens[4], 'NEXT') || !isWord(tokens[5], 'USED')) {
      throw syntaxError(tokens[4]?.text ?? name);
    }
    const state = nextUsed.get(scheme);
    if (state !== undefined) {
      // Without a filegroup name the NEXT USED mark is cleared.
      state.marked = tokens[6] !== undefined && !isOp(tokens[6], ';');
    }
    ctx.done(DoneStatus.Final, CurCmd.None, 0);
    return;
  }
  if (!isWord(tokens[2], 'FUNCTION')) {
    throw syntaxError(tokens[2]?.text ?? 'PARTITION');
  }
  const name = nameAt(tokens, 3);
  const fn = catalog.partitionFunction(name);
  if (fn === undefined) {
    throw new SqlServerError(7718, `Partition function '${name}' does not exist.`, { severity: 16 });
  }
  if (!isOp(tokens[4], '(') || !isOp(tokens[5], ')')) {
    throw syntaxError(tokens[4]?.text ?? name);
  }
  const split = isWord(tokens[6], 'SPLIT');
  if ((!split && !isWord(tokens[6], 'MERGE')) || !isWord(tokens[7], 'RANGE') || !isOp(tokens[8], '(')) {
    throw syntaxError(tokens[6]?.text ?? ')');
  }
  const close = matchParen(tokens, 8);
  const value = tokens.slice(9, close);
  if (value.length === 0) {
    throw syntaxError(')');
  }
  const text = await boundaryText(ctx, fn, value);
  const { below, equalAt } = await placeOf(ctx, fn, text);
  const texts = [...fn.boundaryTexts];
  if (split) {
    if (equalAt >= 0) {
      throw new SqlServerError(
        7721,
        `Duplicate range boundary values are not allowed in partition function boundary values list. The boundary value being added is already present at ordinal ${equalAt + 1} of the boundary value list.`,
        { severity: 16 },
      );
    }
    const schemes = catalog.schemesOf(fn.name);
    for (const scheme of schemes) {
      const state = nextUsed.get(scheme);
      if (state !== undefined && !state.marked && state.spare <= 0) {
        throw new SqlServerError(
          7707,
          `The associated partition function '${fn.name}' generates more partitions than there are file groups mentioned in the scheme '${scheme.name}'.`,
          { severity: 16 },
        );
      }
    }
    for (const scheme of schemes) {
      const state = nextUsed.get(scheme);
      if (state !== undefined) {
        if (state.marked) {
          state.marked = false;
        } else {
          state.spare--;
        }
      }
    }
    texts.splice(below, 0, text);
  } else {
    if (equalAt < 0) {
      throw new SqlServerError(7715, 'The specified partition range value could not be found.', {
        severity: 16,
      });
    }
    texts.splice(equalAt, 1);
  }
  await replaceBoundaries(ctx, fn, texts);
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}
