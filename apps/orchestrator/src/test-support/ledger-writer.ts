import tedious from 'tedious';

/**
 * One table the writer changes: rows `(Id, <group column>, <amount column>)` whose amounts it
 * knows (ten-thousandths, as integers), by group. Every transaction keeps each group's
 * SUM(amount) where it was, so a reader that mixes two moments of the table sees a wrong sum.
 */
export interface LedgerTable {
  /** `[schema].[table]`. */
  readonly name: string;
  readonly amountColumn: string;
  /** The column the groups are told apart by (`undefined`: the whole table is one group). */
  readonly groupColumn?: string;
  /** The columns an INSERT lists, and the values of each new row given its id, group and amount. */
  readonly insert: (id: number, group: number, amount: string) => { columns: string; values: string };
  /** Live rows by group: id -> amount in ten-thousandths. Changed in place as the writer commits. */
  readonly rows: Map<number, Map<number, number>>;
}

/** What a stopped writer did. */
export interface WriterReport {
  readonly transactions: number;
  readonly inserted: number;
  readonly deleted: number;
  readonly updated: number;
}

/**
 * Writes to the source the way an OLTP application would while sqlsync reads it: on its own
 * tedious connection, one short transaction after another (a plain SQL batch `BEGIN TRANSACTION;
 * …; COMMIT TRANSACTION;`), each inserting, updating or deleting rows of one group of one table —
 * a delete or an insert moves its amount to or from another row of the group — until stopped.
 * Random but repeatable (a seeded generator).
 *
 * @example
 * const writer = await LedgerWriter.start(emulatorLogin, [ledger]);
 * await runSqlsync();
 * const report = await writer.stop();
 */
export class LedgerWriter {
  #stopping = false;
  #failure: unknown;
  #report = { transactions: 0, inserted: 0, deleted: 0, updated: 0 };
  /** Ids of inserted rows: above every live row's (a later writer on the same tables starts past them). */
  #nextId: number;
  #seed = 20_261_202;
  readonly #done: Promise<void>;

  private constructor(
    private readonly connection: tedious.Connection,
    private readonly tables: readonly LedgerTable[],
  ) {
    let highest = 50_000_000;
    for (const table of tables) {
      for (const rows of table.rows.values()) {
        for (const id of rows.keys()) {
          highest = Math.max(highest, id + 1);
        }
      }
    }
    this.#nextId = highest;
    this.#done = this.#loop();
  }

  /** Connects and starts writing at once. */
  static async start(
    login: { server: string; port: number; username: string; password: string; database: string },
    tables: readonly LedgerTable[],
  ): Promise<LedgerWriter> {
    const connection = new tedious.Connection({
      server: login.server,
      authentication: { type: 'default', options: { userName: login.username, password: login.password } },
      options: { port: login.port, database: login.database, encrypt: false, trustServerCertificate: true },
    });
    await new Promise<void>((resolve, reject) =>
      connection.connect((error) => (error === undefined || error === null ? resolve() : reject(error))),
    );
    return new LedgerWriter(connection, tables);
  }

  /** Transactions committed so far; throws the write's error once a write has failed. */
  get transactions(): number {
    if (this.#failure !== undefined) {
      throw this.#failure;
    }
    return this.#report.transactions;
  }

  /** Stops after the transaction in flight, closes the connection; rejects if a write failed. */
  async stop(): Promise<WriterReport> {
    this.#stopping = true;
    await this.#done;
    await new Promise<void>((resolve) => {
      this.connection.once('end', () => resolve());
      this.connection.close();
    });
    if (this.#failure !== undefined) {
      throw this.#failure;
    }
    return { ...this.#report };
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopping) {
        await this.#transaction();
        // Let the reads this writer races share the (test process's) event loop.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } catch (error) {
      this.#failure = error;
    }
  }

  /** A repeatable random integer in [0, n). */
  #random(n: number): number {
    // mulberry32
    this.#seed = (this.#seed + 0x6d2b79f5) | 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  }

  #pick(rows: Map<number, number>): number {
    // Ids are spread evenly; a random probe among the first thousand keys is random enough here.
    const skip = this.#random(Math.min(rows.size, 1000));
    let i = 0;
    for (const id of rows.keys()) {
      if (i++ === skip) {
        return id;
      }
    }
    throw new Error('empty group');
  }

  async #transaction(): Promise<void> {
    const table = this.tables[this.#random(this.tables.length)] as LedgerTable;
    const groups = [...table.rows.keys()];
    const group = groups[this.#random(groups.length)] as number;
    const rows = table.rows.get(group) as Map<number, number>;
    const set = (id: number, amount: number): string =>
      `UPDATE ${table.name} SET [${table.amountColumn}] = ${decimal(amount)} WHERE [Id] = ${id};`;
    const statements: string[] = [];
    const changes: (() => void)[] = [];
    const kind = this.#random(3);
    const a = this.#pick(rows);
    let b = this.#pick(rows);
    if (b === a) {
      b = [...rows.keys()].find((id) => id !== a) as number;
    }
    const amountA = rows.get(a) as number;
    const amountB = rows.get(b) as number;
    if (kind === 0) {
      // Move an amount from one row to another.
      const x = this.#random(1_000_000) - 500_000;
      statements.push(set(a, amountA - x), set(b, amountB + x));
      changes.push(() => {
        rows.set(a, amountA - x);
        rows.set(b, amountB + x);
        this.#report.updated += 2;
      });
    } else if (kind === 1) {
      // A new row, its amount taken from another row.
      const id = this.#nextId++;
      const x = this.#random(1_000_000);
      const { columns, values } = table.insert(id, group, decimal(x));
      statements.push(`INSERT INTO ${table.name} (${columns}) VALUES (${values});`, set(a, amountA - x));
      changes.push(() => {
        rows.set(id, x);
        rows.set(a, amountA - x);
        this.#report.inserted++;
        this.#report.updated++;
      });
    } else {
      // A row deleted, its amount given to another row.
      statements.push(set(b, amountB + amountA), `DELETE FROM ${table.name} WHERE [Id] = ${a};`);
      changes.push(() => {
        rows.delete(a);
        rows.set(b, amountB + amountA);
        this.#report.deleted++;
        this.#report.updated++;
      });
    }
    await this.#batch(`BEGIN TRANSACTION; ${statements.join(' ')} COMMIT TRANSACTION;`);
    for (const change of changes) {
      change();
    }
    this.#report.transactions++;
  }

  #batch(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.connection.execSqlBatch(
        new tedious.Request(sql, (error) =>
          error === undefined || error === null ? resolve() : reject(error),
        ),
      );
    });
  }
}

/** Ten-thousandths as decimal(19,4) text. */
function decimal(tenThousandths: number): string {
  const sign = tenThousandths < 0 ? '-' : '';
  const abs = Math.abs(tenThousandths);
  return `${sign}${Math.floor(abs / 10_000)}.${String(abs % 10_000).padStart(4, '0')}`;
}
