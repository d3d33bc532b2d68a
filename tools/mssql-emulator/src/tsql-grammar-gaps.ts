/**
 * Valid T-SQL statements that ANTLR's TSqlParser (antlr4ts-sql) has no rule for, rewritten whole
 * into a statement of the same parts that it does parse, so the grammar check still reads every
 * name, type and expression in them. Each rule matches a complete statement (anchored at both
 * ends), so nothing that is not that statement is rewritten.
 *
 * - `insert bulk t (col type, …) [WITH (KEEP_NULLS, …)]`: the statement tedious (and every TDS
 *   client) sends before a bulk load's rows. Checked as `CREATE TABLE t (col type, …)`.
 * - `ALTER TABLE a SWITCH [PARTITION n] TO b [PARTITION m]` (SQL Server 2005+): checked as
 *   `ALTER TABLE a REBUILD WITH (ONLINE = OFF); ALTER TABLE b …`.
 * - `CREATE PARTITION FUNCTION f (type) AS RANGE [LEFT|RIGHT] FOR VALUES (v, …)`: checked as
 *   `SELECT CAST(NULL AS type), v, …`.
 * - `CREATE PARTITION SCHEME s AS PARTITION f [ALL] TO (fg, …)`: names only; checked as `SELECT 1`.
 * - `CREATE TABLE … ON scheme(column)`: the grammar knows `ON filegroup` only; checked as `ON scheme`.
 */

const NAME = String.raw`(?:\[(?:[^\]]|\]\])*\]|[A-Za-z_#@][\w@$#]*)`;
const QNAME = String.raw`${NAME}(?:\s*\.\s*${NAME}){0,3}`;
const BULK_HINT = String.raw`(?:KEEP_NULLS|TABLOCK|CHECK_CONSTRAINTS|FIRE_TRIGGERS|ROWS_PER_BATCH\s*=\s*\d+|KILOBYTES_PER_BATCH\s*=\s*\d+)`;

const rules: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [
    new RegExp(
      String.raw`^\s*insert\s+bulk\s+(${QNAME})\s*\(([\s\S]*?)\)\s*(?:WITH\s*\(\s*${BULK_HINT}(?:\s*,\s*${BULK_HINT})*\s*\))?\s*;?\s*$`,
      'i',
    ),
    (m) => `CREATE TABLE ${m[1]} (${m[2]})`,
  ],
  [
    new RegExp(
      String.raw`^\s*ALTER\s+TABLE\s+(${QNAME})\s+SWITCH(?:\s+PARTITION\s+\d+)?\s+TO\s+(${QNAME})(?:\s+PARTITION\s+\d+)?\s*;?\s*$`,
      'i',
    ),
    (m) =>
      `ALTER TABLE ${m[1]} REBUILD WITH (ONLINE = OFF); ALTER TABLE ${m[2]} REBUILD WITH (ONLINE = OFF);`,
  ],
  [
    new RegExp(
      String.raw`^\s*CREATE\s+PARTITION\s+FUNCTION\s+${NAME}\s*\(([\w\s(),]+)\)\s+AS\s+RANGE(?:\s+(?:LEFT|RIGHT))?\s+FOR\s+VALUES\s*\(([\s\S]*)\)\s*;?\s*$`,
      'i',
    ),
    (m) => `SELECT CAST(NULL AS ${m[1]}), ${m[2]};`,
  ],
  [
    new RegExp(
      String.raw`^\s*CREATE\s+PARTITION\s+SCHEME\s+${NAME}\s+AS\s+PARTITION\s+${NAME}\s+(?:ALL\s+)?TO\s*\(\s*${NAME}(?:\s*,\s*${NAME})*\s*\)\s*;?\s*$`,
      'i',
    ),
    () => 'SELECT 1;',
  ],
  [
    new RegExp(
      String.raw`^(\s*CREATE\s+TABLE\s[\s\S]*\)\s*ON\s+${NAME})\s*\(\s*${NAME}\s*\)\s*(;?\s*)$`,
      'i',
    ),
    (m) => `${m[1]}${m[2]}`,
  ],
];

/**
 * `sql` with a statement the grammar lacks (see above) rewritten into the shape it parses;
 * any other text unchanged.
 *
 * @example
 * shapeGrammarGaps('ALTER TABLE [s].[a] SWITCH TO [s].[b] PARTITION 2;') // 'ALTER TABLE [s].[a] REBUILD WITH (ONLINE = OFF); ALTER TABLE [s].[b] REBUILD WITH (ONLINE = OFF);'
 */
export function shapeGrammarGaps(sql: string): string {
  for (const [re, to] of rules) {
    const m = re.exec(sql);
    if (m !== null) {
      return to(m);
    }
  }
  return sql;
}
