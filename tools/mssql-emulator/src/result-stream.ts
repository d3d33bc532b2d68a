import { type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import { needsHiddenDigit } from './catalog-table.js';
import { BatchAbort, type RequestOutput, type StatementContext } from './statement-context.js';
import { sqlTypeForDuckDB, storageMatches } from './tds/result-types.js';
import { RowEncoder } from './tds/row-encoder.js';
import { ClientGoneError, type TdsWriter } from './tds/tds-writer.js';
import { type ResultColumn, writeColMetadata } from './tds/tokens.js';
import type { Translation } from './tsql/translation.js';
import type { SqlType } from './types/sql-type.js';

/**
 * Streams a query's rows as COLMETADATA + ROW tokens, chunk by chunk, honouring backpressure;
 * returns the row count. Columns are described with their declared SQL Server types where the
 * translation knows them; hidden `<col>__100ns` / `<col>__tz` columns are folded into their column.
 */
export async function streamResult(ctx: StatementContext, t: Translation): Promise<number> {
  const out = ctx.output as RequestOutput;
  const w = out.writer as TdsWriter;
  const { values, types } = ctx.bindings(t);
  const result = await ctx.conn.stream(t.sql, values, types);
  const duckNames = result.columnNames();
  const duckTypes = result.columnTypes();
  const all: ResultColumn[] = duckTypes.map((dt, c) => {
    const name =
      t.names !== undefined && t.names.length === duckTypes.length
        ? (t.names[c] as string)
        : (duckNames[c] as string);
    const hint = t.hints?.[c];
    let type: SqlType;
    if (hint !== undefined && storageMatches(hint, dt)) {
      type = hint;
    } else {
      const byName = t.columnTypes.get((duckNames[c] as string).toLowerCase());
      type = byName !== undefined && storageMatches(byName, dt) ? byName : sqlTypeForDuckDB(dt);
    }
    return { name, type, nullable: true };
  });
  // Hidden side columns fold into their column: `<name>__100ns` (UTINYINT) carries a scale-7
  // temporal column's seventh digit, `<name>__tz` (SMALLINT) a datetimeoffset's offset in minutes.
  const hidden = new Set<number>();
  const [digitOf, offsetOf] = sideColumnKinds.map((kind) =>
    foldSideColumns(all, duckTypes, hidden, kind),
  ) as [Map<number, number>, Map<number, number>];
  const visible = all.map((_, c) => c).filter((c) => !hidden.has(c));
  const columns = visible.map((c) => all[c] as ResultColumn);
  ctx.writePendingMore();
  writeColMetadata(w, columns);
  const encoder = new RowEncoder(
    columns.map((c) => c.type),
    visible,
    visible.map((c) => digitOf.get(c)),
    visible.map((c) => offsetOf.get(c)),
  );
  let rows = 0;
  const faults = ctx.host.faults;
  // DuckDB produces the next chunk on its own thread while this one is encoded.
  let next = result.fetchChunk();
  for (;;) {
    const chunk = await next;
    if (chunk === null || chunk.rowCount === 0) {
      break;
    }
    if (out.cancelled()) {
      throw new BatchAbort();
    }
    next = result.fetchChunk();
    next.catch(() => undefined);
    const n = chunk.rowCount;
    const dropAfter = faults.peekDropAfter();
    if (dropAfter !== undefined && rows + n >= dropAfter) {
      faults.consumeDropAfter();
      encoder.encodeChunk(chunk, w, 0, dropAfter - rows);
      await w.flush(false);
      out.destroy();
      throw new ClientGoneError();
    }
    encoder.encodeChunk(chunk, w, 0, n);
    rows += n;
    await w.maybeFlush();
  }
  return rows;
}

/** A kind of hidden side column: its name pattern, DuckDB type, and the columns it belongs to. */
interface SideColumnKind {
  readonly pattern: RegExp;
  readonly typeId: DuckDBTypeId;
  readonly fits: (type: SqlType) => boolean;
}

/** The 100 ns digit and the offset, in the order {@link RowEncoder} takes them. */
const sideColumnKinds: readonly SideColumnKind[] = [
  { pattern: /^(.*)__100ns$/i, typeId: DuckDBTypeId.UTINYINT, fits: needsHiddenDigit },
  { pattern: /^(.*)__tz$/i, typeId: DuckDBTypeId.SMALLINT, fits: (t) => t.name === 'datetimeoffset' },
];

/**
 * Pairs each hidden side column of a kind (name matching its pattern, of its DuckDB type) with the
 * visible column it belongs to (named by the pattern's group, of a type it fits), marking it in
 * `hidden`; returns base column index → side column index.
 */
function foldSideColumns(
  all: readonly ResultColumn[],
  duckTypes: readonly DuckDBType[],
  hidden: Set<number>,
  { pattern, typeId, fits }: SideColumnKind,
): Map<number, number> {
  const sideOf = new Map<number, number>();
  all.forEach((col, c) => {
    const m = col.name.match(pattern);
    if (m === null || duckTypes[c]?.typeId !== typeId) {
      return;
    }
    const base = all.findIndex(
      (x, k) =>
        !hidden.has(k) &&
        !sideOf.has(k) &&
        k !== c &&
        x.name.toLowerCase() === (m[1] as string).toLowerCase() &&
        fits(x.type),
    );
    if (base >= 0) {
      sideOf.set(base, c);
      hidden.add(c);
    }
  });
  return sideOf;
}
