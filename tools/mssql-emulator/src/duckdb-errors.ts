import { SqlServerError } from './sql-server-error.js';
import { isName, isOp, type Token, tokensText } from './tsql/lexer.js';
import { trailingBlanksMarker, truncatedMarker } from './tsql/truncation-check.js';

const duckTypeNames: Record<string, string> = {
  INT8: 'tinyint',
  UINT8: 'tinyint',
  INT16: 'smallint',
  INT32: 'int',
  INTEGER: 'int',
  INT64: 'bigint',
  BIGINT: 'bigint',
  DOUBLE: 'float',
  FLOAT: 'real',
  BOOL: 'bit',
  BOOLEAN: 'bit',
  UUID: 'uniqueidentifier',
  VARCHAR: 'varchar',
};

function sqlTypeName(duck: string): string {
  const base = duck.replace(/\(.*$/, '').toUpperCase();
  if (base === 'DECIMAL') {
    return `numeric${duck.slice(7).toLowerCase()}`;
  }
  return duckTypeNames[base] ?? duck.toLowerCase();
}

/** The name as the statement wrote it (`dbo.Missing`), for messages that quote it. */
function writtenName(tokens: readonly Token[], name: string): string {
  const lower = name.toLowerCase();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (!isName(t) || (t.kind === 'word' ? t.text : t.value).toLowerCase() !== lower) {
      continue;
    }
    if (isOp(tokens[i + 1], '.')) {
      continue;
    }
    const parts = [t.kind === 'word' ? t.text : t.value];
    let j = i - 1;
    while (isOp(tokens[j], '.') && isName(tokens[j - 1])) {
      const p = tokens[j - 1] as Token;
      parts.unshift(p.kind === 'word' ? p.text : p.value);
      j -= 2;
    }
    return parts.join('.');
  }
  return name;
}

/** The target table of an INSERT/UPDATE/DELETE as written. */
function targetTable(tokens: readonly Token[]): string {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'word' && ['INTO', 'UPDATE', 'FROM', 'TABLE'].includes(t.upper) && isName(tokens[i + 1])) {
      const parts: string[] = [];
      let j = i + 1;
      while (isName(tokens[j])) {
        const p = tokens[j] as Token;
        parts.push(p.kind === 'word' ? p.text : p.value);
        if (!isOp(tokens[j + 1], '.')) {
          break;
        }
        j += 2;
      }
      if (parts.length === 1) {
        parts.unshift('dbo');
      }
      return parts.slice(-2).join('.');
    }
  }
  return 'dbo.?';
}

const lastToken = (tokens: readonly Token[]): string => tokens[tokens.length - 1]?.text ?? '';

/** The context a mapping rule sees. */
interface RuleContext {
  readonly m: RegExpMatchArray;
  readonly msg: string;
  readonly tokens: readonly Token[];
  readonly database: string;
  readonly cause: unknown;
}

type Rule = readonly [RegExp, (c: RuleContext) => SqlServerError];

const overflow = (c: RuleContext, typeName: string): SqlServerError =>
  new SqlServerError(8115, `Arithmetic overflow error converting expression to data type ${typeName}.`, {
    cause: c.cause,
    state: 2,
  });

/** DuckDB's integer and decimal type names (a value of one overflowing a narrower integer is error 220). */
const exactDuckTypes = /^(?:U?INT(?:8|16|32|64|128)|HUGEINT|UHUGEINT|DECIMAL.*)$/;

/**
 * A value out of an integer type's range on a cast, as SQL Server reports it (documented messages
 * of the Database Engine errors list): a float source is 232 (`value = %f`, six decimals), an
 * integer into tinyint/smallint 220 (`value = %ld`), anything else 8115 ("converting expression").
 */
function castOverflow(c: RuleContext, from: string, value: string, to: string): SqlServerError {
  const target = sqlTypeName(to);
  if (from === 'DOUBLE' || from === 'FLOAT') {
    return new SqlServerError(
      232,
      `Arithmetic overflow error for type ${target}, value = ${Number(value).toFixed(6)}.`,
      {
        cause: c.cause,
        state: 3,
      },
    );
  }
  if ((target === 'tinyint' || target === 'smallint') && exactDuckTypes.test(from) && /^-?\d+$/.test(value)) {
    return new SqlServerError(220, `Arithmetic overflow error for data type ${target}, value = ${value}.`, {
      cause: c.cause,
      state: 2,
    });
  }
  return overflow(c, target);
}

/**
 * Error 2628 as SQL Server 2019+ words it, from the markers of a column's length CHECK
 * (`tsql/truncation-check.ts`); the value is read from the whole DuckDB message (it may hold line
 * breaks). Undefined for other CHECK failures.
 */
function truncation(c: RuleContext): SqlServerError | undefined {
  const full = c.cause instanceof Error ? c.cause.message : c.msg;
  const cut = full.match(new RegExp(`\\(Error: ${truncatedMarker}\\|([^|]*)\\|([\\s\\S]*)\\)\\s*$`));
  if (cut !== null) {
    return new SqlServerError(
      2628,
      `String or binary data would be truncated in table '${c.database}.${targetTable(c.tokens)}', column '${cut[1]}'. Truncated value: '${cut[2]}'.`,
      { cause: c.cause, abortsBatch: false },
    );
  }
  const blanks = full.match(new RegExp(`\\(Error: ${trailingBlanksMarker}\\|([^|]*)\\|(\\d+)\\)\\s*$`));
  if (blanks !== null) {
    return new SqlServerError(
      50000,
      `A value for column '${blanks[1]}' of '${c.database}.${targetTable(c.tokens)}' longer than its length (${blanks[2]}) by trailing spaces only: SQL Server stores it cut to the length without an error; storing it so is not supported by the emulator.`,
      { cause: c.cause, abortsBatch: false },
    );
  }
  return undefined;
}

/** Error 2627 for a duplicate key DuckDB reported as `col: value, col: value`. */
function duplicateKey(c: RuleContext, key: string, kind: 'PRIMARY KEY' | 'UNIQUE KEY'): SqlServerError {
  const table = targetTable(c.tokens);
  const value = key.replace(/^[^:]*:\s*/, '').replace(/, [^:]+:\s*/g, ', ');
  return new SqlServerError(
    2627,
    `Violation of ${kind} constraint 'PK_${table.split('.').pop()}'. Cannot insert duplicate key in object '${table}'. The duplicate key value is (${value}).`,
    { cause: c.cause, severity: 14, abortsBatch: false },
  );
}

/** DuckDB error patterns, first match wins. */
const rules: readonly Rule[] = [
  [
    // DATEADD's range check (tsql/functions/date-functions.ts).
    /^Invalid Input Error: (Adding a value to a '\w+' column caused an overflow\.)/,
    (c) => new SqlServerError(517, c.m[1] as string, { cause: c.cause, abortsBatch: false }),
  ],
  [
    /^Invalid Input Error: (.* is not supported by the emulator.*)$/,
    (c) => new SqlServerError(50000, c.m[1] as string, { cause: c.cause }),
  ],
  [
    // The divisor guard the translator puts around every divisor that may be zero (see
    // `tsql/division.ts`): DuckDB itself gives NULL for x / 0.
    /^Invalid Input Error: Divide by zero error encountered\./,
    (c) =>
      new SqlServerError(8134, 'Divide by zero error encountered.', { cause: c.cause, abortsBatch: false }),
  ],
  [
    /^Catalog Error: Table with name "?(.+?)"? does not exist/,
    (c) =>
      new SqlServerError(208, `Invalid object name '${writtenName(c.tokens, c.m[1] as string)}'.`, {
        cause: c.cause,
      }),
  ],
  [
    /^Catalog Error: .*with name "?(.+?)"? already exists/,
    (c) =>
      new SqlServerError(2714, `There is already an object named '${c.m[1]}' in the database.`, {
        cause: c.cause,
        state: 6,
      }),
  ],
  [
    /^Catalog Error: Schema with name "?(.+?)"? does not exist/,
    (c) => new SqlServerError(208, `Invalid object name '${c.m[1]}'.`, { cause: c.cause }),
  ],
  [
    /^Catalog Error: (?:Scalar |Table |Aggregate )?Function with name "?(.+?)"? does not exist/,
    (c) =>
      new SqlServerError(195, `'${c.m[1]}' is not a recognized built-in function name.`, {
        cause: c.cause,
        severity: 15,
        state: 10,
      }),
  ],
  [
    /^Binder Error: Referenced table "?(.+?)"? not found/,
    (c) =>
      new SqlServerError(4104, `The multi-part identifier "${c.m[1]}" could not be bound.`, {
        cause: c.cause,
      }),
  ],
  [
    /^Binder Error: (?:Referenced column "?(.+?)"? not found|Table "?.+?"? does not have a column named "?(.+?)"?$|Values list "?.+?"? does not have a column named "?(.+?)"?|Table .* does not have a column with name "?(.+?)"?)/,
    (c) =>
      new SqlServerError(207, `Invalid column name '${c.m[1] ?? c.m[2] ?? c.m[3] ?? c.m[4]}'.`, {
        cause: c.cause,
      }),
  ],
  [
    /^Binder Error: Ambiguous reference to column name "?(.+?)"?/,
    (c) => new SqlServerError(209, `Ambiguous column name '${c.m[1]}'.`, { cause: c.cause }),
  ],
  [
    /^Parser Error: syntax error at or near "(.+)"/,
    (c) => new SqlServerError(102, `Incorrect syntax near '${c.m[1]}'.`, { cause: c.cause, severity: 15 }),
  ],
  [
    /^Parser Error: syntax error at end of input/,
    (c) =>
      new SqlServerError(102, `Incorrect syntax near '${lastToken(c.tokens)}'.`, {
        cause: c.cause,
        severity: 15,
      }),
  ],
  [
    /^Conversion Error: Could not convert string '(.*)' to (\w+)/,
    (c) => {
      const to = (c.m[2] as string).toUpperCase();
      if (to === 'DATE' || to.startsWith('TIMESTAMP') || to === 'TIME') {
        return new SqlServerError(
          241,
          'Conversion failed when converting date and/or time from character string.',
          {
            cause: c.cause,
          },
        );
      }
      if (to === 'UUID') {
        return new SqlServerError(
          8169,
          'Conversion failed when converting from a character string to uniqueidentifier.',
          {
            cause: c.cause,
          },
        );
      }
      if (to.startsWith('DECIMAL') || to === 'DOUBLE' || to === 'FLOAT') {
        return new SqlServerError(8114, `Error converting data type varchar to ${sqlTypeName(to)}.`, {
          cause: c.cause,
        });
      }
      return new SqlServerError(
        245,
        `Conversion failed when converting the varchar value '${c.m[1]}' to data type ${sqlTypeName(to)}.`,
        { cause: c.cause },
      );
    },
  ],
  [
    /^Conversion Error: Type (\w+(?:\(\d+,\s*\d+\))?) with value (\S+) can't be cast because the value is out of range for the destination type (\w+)/,
    (c) => castOverflow(c, c.m[1] as string, c.m[2] as string, c.m[3] as string),
  ],
  [
    /^Conversion Error: .*(?:out of range|overflow|Could not cast value).*? to (\w+(?:\(\d+,\s*\d+\))?)/i,
    (c) => overflow(c, sqlTypeName(c.m[1] as string)),
  ],
  [
    /^Out of Range Error: .*?(INT8|INT16|INT32|INT64|UINT8|DECIMAL|HUGEINT)/,
    (c) => overflow(c, sqlTypeName(c.m[1] as string)),
  ],
  [
    /^(?:Out of Range|Conversion) Error/,
    (c) =>
      new SqlServerError(
        8115,
        `Arithmetic overflow error converting expression to data type numeric. (${c.msg})`,
        {
          cause: c.cause,
          state: 2,
        },
      ),
  ],
  [
    // The collated key index of a PRIMARY KEY / UNIQUE constraint over strings (create-table.ts):
    // `lower(rtrim(k))` for a primary key, `lcase(rtrim(k))` for a unique constraint.
    /^Constraint Error: Duplicate key "(.*)" violates (?:primary key|unique) constraint/,
    (c) => {
      const key = c.m[1] as string;
      if (/(?:^|, )(?:lower|lcase)\(rtrim\(/.test(key)) {
        return duplicateKey(c, key, /(?:^|, )lower\(rtrim\(/.test(key) ? 'PRIMARY KEY' : 'UNIQUE KEY');
      }
      return duplicateKey(c, key, c.msg.includes('violates primary key') ? 'PRIMARY KEY' : 'UNIQUE KEY');
    },
  ],
  [
    /^Constraint Error: NOT NULL constraint failed: (?:.*\.)?(.+)$/,
    (c) => {
      const table = targetTable(c.tokens);
      const verb = c.tokens[0]?.upper === 'UPDATE' ? 'UPDATE' : 'INSERT';
      return new SqlServerError(
        515,
        `Cannot insert the value NULL into column '${c.m[1]}', table '${c.database}.${table}'; column does not allow nulls. ${verb} fails.`,
        { cause: c.cause, state: 2, abortsBatch: false },
      );
    },
  ],
  [
    /^Constraint Error: CHECK constraint failed.*__emulator_/,
    (c) =>
      truncation(c) ??
      new SqlServerError(547, `The statement conflicted with a CHECK constraint. (${c.msg})`, {
        cause: c.cause,
        abortsBatch: false,
      }),
  ],
  [
    /^Constraint Error: CHECK constraint failed.*length\("?([^")]+)"?\)/,
    (c) =>
      new SqlServerError(
        2628,
        `String or binary data would be truncated in table '${c.database}.${targetTable(c.tokens)}', column '${c.m[1]}'.`,
        { cause: c.cause, abortsBatch: false },
      ),
  ],
  [
    /^Constraint Error/,
    (c) =>
      new SqlServerError(547, `The statement conflicted with a constraint. (${c.msg})`, {
        cause: c.cause,
        abortsBatch: false,
      }),
  ],
  [
    /Transaction conflict|write-write conflict/,
    (c) =>
      new SqlServerError(
        1205,
        'Transaction (Process ID 51) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
        { cause: c.cause, severity: 13, state: 51 },
      ),
  ],
  [
    /^INTERRUPT Error/,
    (c) => new SqlServerError(3617, 'Query was cancelled.', { cause: c.cause, severity: 11 }),
  ],
];

/**
 * Maps a DuckDB error raised for a translated statement to the error SQL Server gives
 * (number, severity, state, message). Unknown errors keep DuckDB's text and quote the statement.
 *
 * @example
 * mapDuckDBError(new Error('Catalog Error: Table with name Missing does not exist!'), tokens, 'master')
 * // SqlServerError 208 "Invalid object name 'dbo.Missing'."
 */
export function mapDuckDBError(err: unknown, tokens: readonly Token[], database: string): SqlServerError {
  if (err instanceof SqlServerError) {
    return err;
  }
  const raw = err instanceof Error ? err.message : String(err);
  // node-api prefixes some errors with the step that failed.
  const msg = (raw.split('\n')[0] ?? raw).replace(/^(?:Failed to [a-z ]+: )+/, '');
  for (const [pattern, build] of rules) {
    const m = msg.match(pattern);
    if (m !== null) {
      return build({ m, msg, tokens, database, cause: err });
    }
  }
  return new SqlServerError(
    50000,
    `The emulator could not run this statement: ${msg} -- statement: ${tokensText(tokens).slice(0, 2000)}`,
    { cause: err },
  );
}
