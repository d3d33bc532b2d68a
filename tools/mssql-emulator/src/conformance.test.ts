/**
 * Runs the conformance spec (`test-support/conformance-spec.ts`): each value is written twice, as
 * a T-SQL literal in an INSERT and (where the client type can carry it) as a typed
 * `sp_executesql` parameter; both are read back with a plain SELECT and must equal `js`, the
 * value tedious hands out for that type on real SQL Server.
 */
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { conformance, type Value } from './test-support/conformance-spec.js';
import { connectPool } from './test-support/connect.js';

/** What is compared: dates with their sub-millisecond ticks, buffers as hex. */
function comparable(v: unknown): unknown {
  if (v instanceof Date) {
    const delta = (v as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0;
    return `${v.toISOString()}+${Math.round(delta * 1e7)}ticks`;
  }
  if (Buffer.isBuffer(v)) {
    return `0x${v.toString('hex')}`;
  }
  return v;
}

/** Short labels for huge values so failures stay readable. */
function label(v: Value): string {
  return v.sql.length > 60 ? `${v.sql.slice(0, 40)}… (${v.sql.length} chars)` : v.sql;
}

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator();
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe.each(conformance.map((spec, i) => ({ ...spec, table: `dbo.Conf${i}` })))(
  '$type read as $read',
  ({ type, param, read, show, values, table }) => {
    const readBack = async (ids: readonly number[]): Promise<unknown[]> => {
      const r = await pool
        .request()
        .query(`SELECT id, ${read ?? 'v'} AS v FROM ${table} WHERE id IN (${ids.join(', ')}) ORDER BY id`);
      return r.recordset.map((row: { v: unknown }) => comparable(row.v));
    };
    const expectShown = async (v: Value & { id: number }): Promise<void> => {
      if (show !== undefined && v.shown !== undefined) {
        const r = await pool.request().query(`SELECT ${show} AS s FROM ${table} WHERE id = ${v.id}`);
        expect(r.recordset[0].s).toBe(v.shown);
      }
    };

    beforeAll(async () => {
      await emulator.exec(`CREATE TABLE ${table} (id int NOT NULL PRIMARY KEY, v ${type} NULL)`);
    });

    it.each(values.map((v, i) => ({ ...v, id: i, name: label(v) })))('literal $name', async (v) => {
      await pool.request().query(`INSERT INTO ${table} (id, v) VALUES (${v.id}, ${v.sql})`);
      expect(await readBack([v.id])).toEqual([comparable(v.js)]);
      await expectShown(v);
    });

    const paramValues = values.filter((v) => v.literalOnly === undefined);
    it.each(paramValues.map((v, i) => ({ ...v, id: 1000 + i, name: label(v) })))(
      'parameter for $name',
      async (v) => {
        const value = 'param' in v ? v.param : v.js;
        await pool
          .request()
          .input('id', sql.Int, v.id)
          .input('v', typeof param === 'function' ? param() : param, value)
          .query(`INSERT INTO ${table} (id, v) VALUES (@id, @v)`);
        expect(await readBack([v.id])).toEqual([comparable(v.js)]);
        await expectShown(v);
      },
    );
  },
);
