import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ROWS = 100_000;
const PASSWORD = 'Skeleton!Passw0rd';

interface ExpectedRow {
  id: number;
  big: string | null;
  name: string | null;
  amount: string | null;
  tsMicros: bigint | null;
  flag: boolean | null;
}

/** A deterministic pseudo-random sequence (xorshift64*), independent of anything under test. */
function* randomBigInts(seed: bigint): Generator<bigint> {
  let x = seed;
  const mask = (1n << 64n) - 1n;
  while (true) {
    x ^= x >> 12n;
    x ^= (x << 25n) & mask;
    x ^= x >> 27n;
    yield (x * 2685821657736338717n) & mask;
  }
}

/** DECIMAL(38,10) text from an unscaled value: exactly 10 fractional digits, leading 0. */
function decimalText(unscaled: bigint): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(11, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`;
}

const US_0001 = -62135596800000000n; // 0001-01-01T00:00:00Z in µs since 1970
const US_9999 = 253402300799999999n; // 9999-12-31T23:59:59.999999Z

function microsToDatetime2Literal(us: bigint): string {
  const ms = Number(us / 1000n - (us % 1000n < 0n ? 1n : 0n));
  const micros = Number(((us % 1000n) + 1000n) % 1000n);
  const iso = new Date(ms).toISOString(); // handles years 0001..9999 as ±YYYYYY only outside 0000..9999
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}0`;
}

function expectedRows(): ExpectedRow[] {
  const random = randomBigInts(0x9e3779b97f4a7c15n);
  const next = (): bigint => random.next().value as bigint;
  const maxUnscaled = 10n ** 38n - 1n;
  const rows: ExpectedRow[] = [];
  for (let id = 1; id <= ROWS; id++) {
    let amount: string | null = null;
    if (id % 11 !== 0) {
      let unscaled = ((next() << 64n) | next()) % (maxUnscaled + 1n);
      if (id % 2 === 0) {
        unscaled = -unscaled;
      }
      if (id === 1) {
        unscaled = maxUnscaled; // 28 integer digits, all nines
      } else if (id === 2) {
        unscaled = -maxUnscaled;
      } else if (id === 3) {
        unscaled = 1n; // 0.0000000001
      }
      amount = decimalText(unscaled);
    }
    let big: string | null = id % 17 === 0 ? null : BigInt.asIntN(64, next()).toString();
    if (id === 4) {
      big = '9223372036854775807';
    } else if (id === 5) {
      big = '-9223372036854775808';
    }
    let tsMicros: bigint | null = id % 19 === 0 ? null : US_0001 + (next() % (US_9999 - US_0001));
    if (id === 6) {
      tsMicros = US_0001;
    } else if (id === 7) {
      tsMicros = US_9999;
    }
    const name = id % 7 === 0 ? null : `name ${id} O'Brien ü€😀 ${'x'.repeat(id % 20)}`;
    const flag = id % 13 === 0 ? null : id % 3 === 0;
    rows.push({ id, big, name, amount, tsMicros, flag });
  }
  return rows;
}

function tsqlLiteral(row: ExpectedRow): string {
  const str = (v: string | null): string => (v === null ? 'NULL' : `N'${v.replaceAll("'", "''")}'`);
  return `(${row.id}, ${row.big ?? 'NULL'}, ${str(row.name)}, ${row.amount ?? 'NULL'}, ${
    row.tsMicros === null ? 'NULL' : `'${microsToDatetime2Literal(row.tsMicros)}'`
  }, ${row.flag === null ? 'NULL' : row.flag ? 1 : 0})`;
}

describe('sqlsync run: one static table from the emulator to Parquet', () => {
  let emulator: Emulator;
  let work: string;
  const rows = expectedRows();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-skeleton-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE SCHEMA [shop];`);
    await emulator.exec(`CREATE TABLE [shop].[Skeleton] (
      [Id] int NOT NULL PRIMARY KEY,
      [Big] bigint NULL,
      [Name] nvarchar(50) NULL,
      [Amount] decimal(38,10) NULL,
      [Ts] datetime2(7) NULL,
      [Flag] bit NULL
    );`);
    // SQL Server accepts at most 1000 rows per VALUES list.
    for (let i = 0; i < rows.length; i += 1000) {
      const values = rows
        .slice(i, i + 1000)
        .map(tsqlLiteral)
        .join(',\n');
      await emulator.exec(
        `INSERT INTO [shop].[Skeleton] ([Id], [Big], [Name], [Amount], [Ts], [Flag]) VALUES ${values};`,
      );
    }
  }, 300_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  function configYaml(extra = ''): string {
    return `database:
  server: 127.0.0.1
  port: ${emulator.port}
  database: master
  username: sa
  encrypt: false
  trust_server_certificate: true
state:
  parquet_directory: ${join(work, 'lake')}
  state_directory: ${join(work, 'state')}
static_tables:
  - schema_name: shop
    table_name: Skeleton
    target_schema: warehouse
    target_table: skeleton
${extra}`;
  }

  it('writes every value exactly and prints a JSON summary as the last line of stdout', async () => {
    const configFile = join(work, 'sqlsync.yaml');
    await writeFile(configFile, configYaml());
    const result = await runCli(['run', '--config', configFile], {
      ...process.env,
      SQLSYNC_PASSWORD: PASSWORD,
    });
    expect(result.stderr).not.toContain(PASSWORD);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1] ?? '');
    expect(summary.status).toBe('ok');
    expect(summary.total_records).toBe(ROWS);
    expect(summary.tables[0].table).toBe('shop.Skeleton');
    expect(summary.tables[0].dropped_sub_microsecond_values).toBe(0);

    const tableDir = join(work, 'lake', 'warehouse', 'skeleton');
    const files = (await readdir(tableDir)).filter((f) => f.endsWith('.parquet'));
    expect(files).toHaveLength(1);
    expect(existsSync(join(work, 'lake', '_sqlsync', 'staging', summary.run_id))).toBe(false);

    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      const glob = join(tableDir, '*.parquet').replaceAll("'", "''");
      const types = await connection.runAndReadAll(
        `SELECT name, type FROM parquet_schema('${glob}') WHERE name <> 'duckdb_schema' ORDER BY name`,
      );
      const typeOf = Object.fromEntries(types.getRows().map((r) => [String(r[0]), String(r[1])]));
      expect(Object.keys(typeOf).sort()).toEqual(['Amount', 'Big', 'Flag', 'Id', 'Name', 'Ts']);
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}')`);
      const lakeTypes = Object.fromEntries(described.getRows().map((r) => [String(r[0]), String(r[1])]));
      expect(lakeTypes).toEqual({
        Id: 'INTEGER',
        Big: 'BIGINT',
        Name: 'VARCHAR',
        Amount: 'DECIMAL(38,10)',
        Ts: 'TIMESTAMP',
        Flag: 'BOOLEAN',
      });

      const reader = await connection.runAndReadAll(
        `SELECT Id, Big::VARCHAR, Name, Amount::VARCHAR, epoch_us(Ts)::VARCHAR, Flag FROM read_parquet('${glob}') ORDER BY Id`,
      );
      const lake = reader.getRows();
      expect(lake).toHaveLength(ROWS);
      let mismatches = 0;
      for (let i = 0; i < ROWS; i++) {
        const want = rows[i] as ExpectedRow;
        const got = lake[i] as unknown[];
        const same =
          got[0] === want.id &&
          got[1] === want.big &&
          got[2] === want.name &&
          got[3] === want.amount &&
          got[4] === (want.tsMicros === null ? null : want.tsMicros.toString()) &&
          got[5] === want.flag;
        if (!same && mismatches++ < 5) {
          expect({ id: got[0], big: got[1], name: got[2], amount: got[3], ts: got[4], flag: got[5] }).toEqual(
            {
              id: want.id,
              big: want.big,
              name: want.name,
              amount: want.amount,
              ts: want.tsMicros?.toString() ?? null,
              flag: want.flag,
            },
          );
        }
      }
      expect(mismatches).toBe(0);
      // The 28-integer-digit edge values made it through unchanged.
      expect(lake[0]?.[3]).toBe('9999999999999999999999999999.9999999999');
      expect(lake[1]?.[3]).toBe('-9999999999999999999999999999.9999999999');
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
  }, 300_000);

  it('plans without writing: sqlsync plan lists the unit a run would execute', async () => {
    const configFile = join(work, 'plan.yaml');
    await writeFile(configFile, configYaml());
    const lakeBefore = await readdir(join(work, 'lake', 'warehouse', 'skeleton'));
    const result = await runCli(['plan', '--config', configFile], {
      ...process.env,
      SQLSYNC_PASSWORD: PASSWORD,
    });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
    expect(plan.tables).toEqual([
      {
        table: 'shop.Skeleton',
        kind: 'static',
        // The run before recorded the table hash, and the source has not changed since.
        units: [{ id: 'shop.Skeleton', reason: 'unchanged (hashbytes_sha256)' }],
      },
    ]);
    expect(await readdir(join(work, 'lake', 'warehouse', 'skeleton'))).toEqual(lakeBefore);
  }, 60_000);

  it('heals a corrupt state file (with enable_self_healing) and refuses to guess without it', async () => {
    const stateFile = join(work, 'state', 'shop.Skeleton.json');
    expect(existsSync(stateFile)).toBe(true);
    const healing = join(work, 'healing.yaml');
    await writeFile(healing, configYaml());
    await writeFile(stateFile, '{"version": 1, "tableId": "shop.Skel');
    const healed = await runCli(['run', '--config', healing], { ...process.env, SQLSYNC_PASSWORD: PASSWORD });
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stderr).toContain('state file is corrupt; self-healing');
    expect(JSON.parse(healed.stdout.trim().split('\n').pop() ?? '').total_records).toBe(ROWS);

    const strict = join(work, 'strict.yaml');
    await writeFile(strict, `${configYaml()}`.replace('state:\n', 'state:\n  enable_self_healing: false\n'));
    await writeFile(stateFile, 'not json');
    const refused = await runCli(['run', '--config', strict], { ...process.env, SQLSYNC_PASSWORD: PASSWORD });
    expect(refused.code).toBe(1);
    const summary = JSON.parse(refused.stdout.trim().split('\n').pop() ?? '');
    expect(summary.tables[0].error.code).toBe('STATE_CORRUPT');
  }, 300_000);

  it('exits 2 with one message naming the field for a config of the wrong type, writing nothing', async () => {
    const lake = join(work, 'bad-lake');
    const configFile = join(work, 'bad.yaml');
    await writeFile(
      configFile,
      `database:\n  server: 127.0.0.1\n  port: "not a port"\n  database: master\n  username: sa\n  password: x\nstate:\n  parquet_directory: ${lake}\n  state_directory: ${join(work, 'bad-state')}\n`,
    );
    const result = await runCli(['run', '--config', configFile], process.env);
    expect(result.code).toBe(2);
    const messages = result.stderr.trim().split('\n');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('database.port');
    expect(messages[0]).toContain('bad.yaml');
    expect(existsSync(lake)).toBe(false);
    expect(existsSync(join(work, 'bad-state'))).toBe(false);
  });

  it('exits 2 naming a missing required field', async () => {
    const configFile = join(work, 'missing.yaml');
    await writeFile(configFile, `database:\n  database: master\n  username: sa\n  password: x\n`);
    const result = await runCli(['run', '--config', configFile], process.env);
    expect(result.code).toBe(2);
    const messages = result.stderr.trim().split('\n');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('database.server');
  });
});
