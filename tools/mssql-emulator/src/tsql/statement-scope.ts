import type { Catalog } from '../catalog.js';
import type { CatalogColumn, CatalogTable } from '../catalog-table.js';
import { hiddenColumnsOf } from '../catalog-table.js';
import { quoteIdent } from '../sql-quoting.js';
import type { SqlType } from '../types/sql-type.js';
import type { ChecksumArgument } from './function-context.js';
import { isName, isOp, isWord, type Token } from './lexer.js';

const aliasStop = new Set([
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'OUTER',
  'ON',
  'WITH',
  'SET',
  'VALUES',
  'SELECT',
  'OPTION',
  'OUTPUT',
  'DEFAULT',
  'FOR',
  'APPLY',
  'USING',
  'WHEN',
  'PIVOT',
  'UNPIVOT',
]);

/** Keywords after which a table name may follow. */
const scopeWords = new Set(['FROM', 'JOIN', 'UPDATE', 'INTO', 'TABLE']);
/** Clause keywords: a comma continues a FROM list only while FROM is the clause in force. */
const clauseWords = new Set([
  'FROM',
  'SELECT',
  'WHERE',
  'SET',
  'VALUES',
  'ON',
  'GROUP',
  'ORDER',
  'BY',
  'HAVING',
  'JOIN',
]);

/** A table referenced by a statement, and the alias it goes by. */
interface ScopeEntry {
  readonly alias: string;
  readonly table: CatalogTable;
}

/**
 * The tables a statement reads or writes (after FROM / JOIN / UPDATE / INTO and the commas of a
 * FROM list), with their aliases, and what follows from them: the column a name refers to, its
 * declared type, its hidden side columns.
 *
 * @example
 * const scope = new StatementScope(tokenize('SELECT a FROM dbo.T t'), catalog);
 * scope.resolveColumn(['t', 'a'])?.type
 */
export class StatementScope {
  /** The referenced tables, in statement order. */
  readonly entries: ScopeEntry[];

  constructor(
    private readonly tokens: readonly Token[],
    private readonly catalog: Catalog,
  ) {
    this.entries = this.collectScope();
  }

  /** Tables named after FROM / JOIN / UPDATE / INTO (and commas of a FROM list), with their aliases. */
  private collectScope(): ScopeEntry[] {
    const t = this.tokens;
    const out: ScopeEntry[] = [];
    // The clause keyword in force at each parenthesis depth, to tell FROM-list commas apart.
    const clause: string[] = [''];
    for (let i = 0; i < t.length; i++) {
      const w = t[i] as Token;
      if (isOp(w, '(')) {
        clause.push('');
        continue;
      }
      if (isOp(w, ')')) {
        if (clause.length > 1) {
          clause.pop();
        }
        continue;
      }
      if (w.kind === 'word' && clauseWords.has(w.upper)) {
        clause[clause.length - 1] = w.upper;
      }
      const listComma = isOp(w, ',') && clause[clause.length - 1] === 'FROM';
      if (!(listComma || (w.kind === 'word' && scopeWords.has(w.upper)))) {
        continue;
      }
      const chain = this.nameChain(i + 1);
      if (chain === undefined) {
        continue;
      }
      const table = this.resolveTable(chain.parts);
      if (table === undefined) {
        continue;
      }
      let j = chain.end;
      let alias = table.name;
      if (isWord(t[j], 'AS')) {
        j++;
      }
      const a = t[j];
      if (a !== undefined && (a.kind === 'quoted' || (a.kind === 'word' && !aliasStop.has(a.upper)))) {
        alias = a.kind === 'word' ? a.text : a.value;
      }
      out.push({ alias, table });
    }
    return out;
  }

  /** A dotted name starting at `i`: its parts (empty string for `..`) and where it ends. */
  nameChain(i: number): { parts: string[]; end: number } | undefined {
    const t = this.tokens;
    if (!isName(t[i])) {
      return undefined;
    }
    const parts: string[] = [nameOf(t[i] as Token)];
    let j = i + 1;
    while (isOp(t[j], '.')) {
      if (isName(t[j + 1])) {
        parts.push(nameOf(t[j + 1] as Token));
        j += 2;
      } else if (isOp(t[j + 1], '.')) {
        parts.push('');
        j += 1;
      } else {
        break;
      }
    }
    return { parts, end: j };
  }

  /** The catalog table a 1–3 part name refers to. */
  private resolveTable(parts: readonly string[]): CatalogTable | undefined {
    const n = parts.length;
    const name = parts[n - 1] ?? '';
    const schema = n >= 2 && parts[n - 2] !== '' ? (parts[n - 2] as string) : 'dbo';
    return this.catalog.table(schema, name);
  }

  /** Declared types by lower-case column name across the referenced tables (unique names only). */
  columnTypes(): Map<string, SqlType> {
    const out = new Map<string, SqlType>();
    const dup = new Set<string>();
    for (const { table } of this.entries) {
      for (const c of table.columns) {
        const k = c.name.toLowerCase();
        const prev = out.get(k);
        if (prev !== undefined && !sameType(prev, c.type)) {
          dup.add(k);
        }
        out.set(k, c.type);
      }
    }
    for (const k of dup) {
      out.delete(k);
    }
    return out;
  }

  /** The column a (possibly qualified) name refers to. */
  resolveColumn(parts: readonly string[]): CatalogColumn | undefined {
    const col = (parts[parts.length - 1] ?? '').toLowerCase();
    if (parts.length >= 2) {
      const q = (parts[parts.length - 2] ?? '').toLowerCase();
      const entry = this.entries.find((s) => s.alias.toLowerCase() === q || s.table.name.toLowerCase() === q);
      return entry?.table.columns.find((c) => c.name.toLowerCase() === col);
    }
    const found: CatalogColumn[] = [];
    for (const s of this.entries) {
      const c = s.table.columns.find((x) => x.name.toLowerCase() === col);
      if (c !== undefined) {
        found.push(c);
      }
    }
    const first = found[0];
    return first !== undefined && found.every((c) => sameType(c.type, first.type)) ? first : undefined;
  }

  /** SQL for a hidden side column of a plain column reference in [from, to), if it has one. */
  sideColumn(from: number, to: number, side: 'ns100' | 'tz'): string | undefined {
    const chain = this.nameChain(from);
    if (chain === undefined || chain.end !== to) {
      return undefined;
    }
    const hidden = this.resolveColumn(chain.parts)?.[side];
    if (hidden === undefined) {
      return undefined;
    }
    return [...chain.parts.slice(0, -1).map(quoteIdent), quoteIdent(hidden)].join('.');
  }

  /**
   * The columns `*` stands for in CHECKSUM(*) / BINARY_CHECKSUM(*): those of the one table a
   * single-SELECT statement reads, in table order with their hidden side columns; undefined
   * where that is not evident (joins, subqueries, derived or temp tables).
   */
  starColumns(): ChecksumArgument[] | undefined {
    const only = this.entries.length === 1 ? this.entries[0] : undefined;
    if (only === undefined || this.tokens.filter((t) => isWord(t, 'SELECT')).length > 1) {
      return undefined;
    }
    const q = quoteIdent(only.alias);
    return only.table.columns.map((c) => ({
      sql: `${q}.${quoteIdent(c.name)}`,
      type: c.type,
      hidden: hiddenColumnsOf(c).map((h) => `${q}.${quoteIdent(h)}`),
    }));
  }
}

function nameOf(t: Token): string {
  return t.kind === 'word' ? t.text : t.value;
}

/** Same declared type (name, length, precision, scale). */
function sameType(a: SqlType, b: SqlType): boolean {
  return (
    a.name === b.name && a.maxLength === b.maxLength && a.precision === b.precision && a.scale === b.scale
  );
}
