/** An error the emulator will raise for the next statement whose text matches `pattern`. */
interface PendingFailure {
  readonly pattern: RegExp;
  readonly number: number;
  readonly message: string;
}

/**
 * Faults to inject into client traffic, for testing retries and error handling.
 * Each one-shot fault applies to the next matching request from any connection.
 *
 * @example
 * emulator.faults.failNext(/FROM \[dbo\]\.\[T\]/, 1205);   // next read of T is a deadlock victim
 * emulator.faults.dropConnectionAfterRows(1000);          // next result: socket destroyed after 1000 rows
 * emulator.faults.latencyMs = 50;                         // every request waits 50 ms first
 * emulator.faults.refuseLogins = true;                    // new connections are closed at once
 */
export class FaultInjector {
  /** Delay before each client request is run, in ms. Defaults to 0. */
  latencyMs = 0;
  /** When true, new client connections are destroyed before the handshake. Defaults to false. */
  refuseLogins = false;
  private dropAfter: number | undefined;
  private readonly failures: PendingFailure[] = [];

  /**
   * The next result set streamed to a client that reaches `rows` rows is cut off: the socket is
   * destroyed after exactly `rows` rows went out.
   */
  dropConnectionAfterRows(rows: number): void {
    this.dropAfter = rows;
  }

  /**
   * The next client request whose statement text matches `pattern` fails with error `errorNumber`
   * (severity 16) instead of running.
   */
  failNext(pattern: RegExp, errorNumber: number, message?: string): void {
    this.failures.push({
      pattern,
      number: errorNumber,
      message: message ?? `Injected fault ${errorNumber} (mssql-emulator).`,
    });
  }

  /** Removes every pending fault and resets latency and login refusal. */
  reset(): void {
    this.latencyMs = 0;
    this.refuseLogins = false;
    this.dropAfter = undefined;
    this.failures.length = 0;
  }

  /** @internal Takes the pending failure matching `sql`, if any. */
  takeFailure(sql: string): { number: number; message: string } | undefined {
    const i = this.failures.findIndex((f) => {
      f.pattern.lastIndex = 0;
      return f.pattern.test(sql);
    });
    if (i < 0) {
      return undefined;
    }
    const [f] = this.failures.splice(i, 1);
    return f === undefined ? undefined : { number: f.number, message: f.message };
  }

  /** @internal The pending row limit, if any (it stays pending until a result reaches it). */
  peekDropAfter(): number | undefined {
    return this.dropAfter;
  }

  /** @internal Consumes the pending row limit once a result reached it. */
  consumeDropAfter(): void {
    this.dropAfter = undefined;
  }
}
