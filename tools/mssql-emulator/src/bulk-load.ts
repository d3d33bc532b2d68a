import type { DuckDBConnection } from '@duckdb/node-api';
import type { CatalogTable } from './catalog-table.js';
import { metaSchema } from './catalog-views.js';
import { quoteIdent } from './sql-quoting.js';
import { SqlServerError } from './sql-server-error.js';
import { ByteReader } from './tds/byte-reader.js';
import { DataType, TokenType } from './tds/protocol.js';
import { readTypedValue } from './tds/typed-value.js';
import type { BoundValue } from './types/bound-value.js';

/** Bytes of TYPE_INFO for a type byte, reading the rest from `r` (MS-TDS 2.2.5.6). */
function typeInfoLength(r: ByteReader, start: number): number {
  const typeByte = r.buf[start] as number;
  switch (typeByte) {
    case DataType.IntN:
    case DataType.BitN:
    case DataType.FltN:
    case DataType.MoneyN:
    case DataType.DateTimN:
    case DataType.Guid:
    case DataType.TimeN:
    case DataType.DateTime2N:
    case DataType.DateTimeOffsetN:
      return 2;
    case DataType.DecimalN:
    case DataType.NumericN:
      return 4;
    case DataType.DateN:
    case DataType.Null:
    case DataType.Int1:
    case DataType.Int2:
    case DataType.Int4:
    case DataType.Int8:
    case DataType.Bit:
    case DataType.Flt4:
    case DataType.Flt8:
      return 1;
    case DataType.BigVarChar:
    case DataType.BigChar:
    case DataType.NVarChar:
    case DataType.NChar:
      return 8;
    case DataType.BigVarBinary:
    case DataType.BigBinary:
      return 3;
    default:
      throw new SqlServerError(
        4816,
        `Bulk load: data type 0x${typeByte.toString(16)} is not supported by the emulator.`,
      );
  }
}

interface BulkColumn {
  readonly name: string;
  readonly typeInfo: Buffer;
}

function readColMetadata(r: ByteReader): BulkColumn[] {
  const count = r.u16();
  const columns: BulkColumn[] = [];
  for (let i = 0; i < count; i++) {
    r.u32(); // user type
    r.u16(); // flags
    const start = r.pos;
    const length = typeInfoLength(r, start);
    const typeInfo = r.bytes(length);
    columns.push({ name: r.bVarchar(), typeInfo });
  }
  return columns;
}

/**
 * Runs a BULK_LOAD message (COLMETADATA, ROW…, DONE) into `target` (a DuckDB table name):
 * rows go through an appender into a staging table, then one INSERT … SELECT applies the
 * target's defaults, identities and constraints. Returns the number of rows inserted.
 */
export async function runBulkLoad(
  conn: DuckDBConnection,
  target: string,
  table: CatalogTable | undefined,
  payload: Buffer,
  id: string,
): Promise<number> {
  const r = new ByteReader(payload);
  if (r.u8() !== TokenType.ColMetadata) {
    throw new SqlServerError(
      4804,
      'While reading current row from host, a premature end-of-message was encountered.',
    );
  }
  const columns = readColMetadata(r);
  // datetime2(7) targets keep their 100 ns digit in a hidden column (staged as d<i>),
  // datetimeoffset targets their offset (staged as t<i>).
  const targets = columns.map((c) =>
    table?.columns.find((x) => x.name.toLowerCase() === c.name.toLowerCase()),
  );
  const hidden = targets.map((c) => c?.ns100);
  const offsets = targets.map((c) => c?.tz);
  const staging = `${metaSchema}.${quoteIdent(`bulk_${id}`)}`;
  let created = false;
  let appender: Awaited<ReturnType<DuckDBConnection['createAppender']>> | undefined;
  let rows = 0;
  try {
    while (r.remaining > 0) {
      const token = r.u8();
      if (token === TokenType.Done) {
        break;
      }
      if (token !== TokenType.Row) {
        throw new SqlServerError(4804, `Bulk load: unexpected token 0x${token.toString(16)}.`);
      }
      const values: BoundValue[] = columns.map((c) => readTypedValue(r, new ByteReader(c.typeInfo)));
      if (!created) {
        const defs = values.map((v, i) => `${quoteIdent(`c${i}`)} ${v.duckType.toString()}`);
        hidden.forEach((h, i) => {
          if (h !== undefined) {
            defs.push(`${quoteIdent(`d${i}`)} UTINYINT`);
          }
        });
        offsets.forEach((h, i) => {
          if (h !== undefined) {
            defs.push(`${quoteIdent(`t${i}`)} SMALLINT`);
          }
        });
        await conn.run(`CREATE OR REPLACE TABLE ${staging} (${defs.join(', ')})`);
        created = true;
        appender = await conn.createAppender(`bulk_${id}`, metaSchema);
      }
      for (const v of values) {
        appender?.appendValue(v.duck, v.duckType);
      }
      hidden.forEach((h, i) => {
        if (h !== undefined) {
          const js = values[i]?.js;
          const m = typeof js === 'string' ? js.match(/\.\d{6}(\d)/) : null;
          appender?.appendUTinyInt(m === null ? 0 : Number(m[1]));
        }
      });
      offsets.forEach((h, i) => {
        if (h !== undefined) {
          appender?.appendSmallInt(values[i]?.offsetMinutes ?? 0);
        }
      });
      appender?.endRow();
      rows++;
    }
    if (!created) {
      return 0;
    }
    appender?.flushSync();
    appender?.closeSync();
    appender = undefined;
    const names = [
      ...columns.map((c) => quoteIdent(c.name)),
      ...hidden.flatMap((h) => (h === undefined ? [] : [quoteIdent(h)])),
      ...offsets.flatMap((h) => (h === undefined ? [] : [quoteIdent(h)])),
    ].join(', ');
    const selects = [
      ...columns.map((_, i) => quoteIdent(`c${i}`)),
      ...hidden.flatMap((h, i) => (h === undefined ? [] : [quoteIdent(`d${i}`)])),
      ...offsets.flatMap((h, i) => (h === undefined ? [] : [quoteIdent(`t${i}`)])),
    ].join(', ');
    const result = await conn.run(`INSERT INTO ${target} (${names}) SELECT ${selects} FROM ${staging}`);
    return result.rowsChanged === 0 ? 0 : rows;
  } finally {
    appender?.closeSync();
    if (created) {
      await conn.run(`DROP TABLE IF EXISTS ${staging}`);
    }
  }
}
