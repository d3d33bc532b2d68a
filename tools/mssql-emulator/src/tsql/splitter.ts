import { syntaxError } from '../sql-server-error.js';
import { isName, isOp, isWord, type Token } from './lexer.js';

/** A statement of a batch: a plain statement, or control flow around statements. */
export type StatementNode =
  | { readonly kind: 'simple'; readonly tokens: readonly Token[] }
  | {
      readonly kind: 'if';
      readonly condition: readonly Token[];
      readonly thenBranch: readonly StatementNode[];
      readonly otherwise: readonly StatementNode[];
    }
  | { readonly kind: 'while'; readonly condition: readonly Token[]; readonly body: readonly StatementNode[] }
  | { readonly kind: 'block'; readonly body: readonly StatementNode[] };

const starters = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'SET',
  'DECLARE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVE',
  'IF',
  'WHILE',
  'PRINT',
  'EXEC',
  'EXECUTE',
  'USE',
  'WITH',
  'RETURN',
  'RAISERROR',
  'THROW',
  'GRANT',
  'DENY',
  'REVOKE',
  'WAITFOR',
  'DBCC',
  'BREAK',
  'CONTINUE',
  'CHECKPOINT',
]);

/**
 * Splits a batch into statements. T-SQL needs no semicolons between statements, so a new
 * statement starts at a top-level statement keyword unless that keyword continues the current
 * one (`INSERT … SELECT`, `UPDATE … SET`, `UNION SELECT`, a CTE's main statement, …).
 *
 * @example
 * splitStatements(tokenize('set nocount on\nselect 1')) // two simple statements
 */
export function splitStatements(tokens: readonly Token[]): StatementNode[] {
  const parser = new StatementParser(tokens);
  const out = parser.parseList(false);
  if (parser.pos < tokens.length) {
    throw syntaxError((tokens[parser.pos] as Token).text);
  }
  return out;
}

class StatementParser {
  pos = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseList(inBlock: boolean): StatementNode[] {
    const out: StatementNode[] = [];
    for (;;) {
      while (isOp(this.tokens[this.pos], ';')) {
        this.pos++;
      }
      const t = this.tokens[this.pos];
      if (t === undefined) {
        return out;
      }
      if (inBlock && isWord(t, 'END')) {
        return out;
      }
      out.push(this.parseOne());
    }
  }

  parseOne(): StatementNode {
    while (isOp(this.tokens[this.pos], ';')) {
      this.pos++;
    }
    const t = this.tokens[this.pos];
    if (t === undefined) {
      throw syntaxError('end of batch');
    }
    if (isWord(t, 'IF') || isWord(t, 'WHILE')) {
      this.pos++;
      const condStart = this.pos;
      const condEnd = this.scanCondition();
      const condition = this.tokens.slice(condStart, condEnd);
      this.pos = condEnd;
      if (condition.length === 0) {
        throw syntaxError(this.tokens[this.pos]?.text ?? t.text);
      }
      const body = [this.parseOne()];
      if (isWord(t, 'WHILE')) {
        return { kind: 'while', condition, body };
      }
      while (isOp(this.tokens[this.pos], ';')) {
        this.pos++;
      }
      let otherwise: StatementNode[] = [];
      if (isWord(this.tokens[this.pos], 'ELSE')) {
        this.pos++;
        otherwise = [this.parseOne()];
      }
      return { kind: 'if', condition, thenBranch: body, otherwise };
    }
    if (isWord(t, 'BEGIN') && !this.isTransactionBegin(this.pos)) {
      this.pos++;
      const tryBlock = isWord(this.tokens[this.pos], 'TRY');
      if (tryBlock) {
        this.pos++;
      }
      const body = this.parseList(true);
      if (!isWord(this.tokens[this.pos], 'END')) {
        throw syntaxError(this.tokens[this.pos]?.text ?? 'end of batch');
      }
      this.pos++;
      if (tryBlock) {
        // BEGIN TRY … END TRY BEGIN CATCH … END CATCH: run the TRY part; errors propagate.
        if (isWord(this.tokens[this.pos], 'TRY')) {
          this.pos++;
        }
        if (isWord(this.tokens[this.pos], 'BEGIN') && isWord(this.tokens[this.pos + 1], 'CATCH')) {
          this.pos += 2;
          this.parseList(true);
          this.pos++;
          if (isWord(this.tokens[this.pos], 'CATCH')) {
            this.pos++;
          }
        }
      }
      return { kind: 'block', body };
    }
    const start = this.pos;
    const end = this.scanSimple(start);
    this.pos = end;
    return { kind: 'simple', tokens: this.tokens.slice(start, end) };
  }

  private isTransactionBegin(i: number): boolean {
    const next = this.tokens[i + 1];
    return isWord(next, 'TRAN') || isWord(next, 'TRANSACTION') || isWord(next, 'DISTRIBUTED');
  }

  /** The end of an IF/WHILE condition: the first top-level statement keyword. */
  private scanCondition(): number {
    let depth = 0;
    for (let i = this.pos; i < this.tokens.length; i++) {
      const t = this.tokens[i] as Token;
      if (isOp(t, '(')) {
        depth++;
      } else if (isOp(t, ')')) {
        depth--;
      } else if (depth === 0 && t.kind === 'word' && (starters.has(t.upper) || t.upper === 'BEGIN')) {
        return i;
      }
    }
    return this.tokens.length;
  }

  /** The end (exclusive) of the simple statement starting at `start`. */
  private scanSimple(start: number): number {
    const tokens = this.tokens;
    const first = tokens[start] as Token;
    const head = first.kind === 'word' ? first.upper : '';
    let depth = 0;
    let caseDepth = 0;
    // For WITH: whether the CTE list is done and the main statement has begun.
    let mainSeen = head !== 'WITH';
    let sawSelectOrValues = false;
    let sawSet = false;
    for (let i = start + 1; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      if (t.kind === 'op') {
        if (t.text === '(') {
          depth++;
        } else if (t.text === ')') {
          depth--;
        } else if (t.text === ';' && depth === 0) {
          return i;
        }
        continue;
      }
      if (t.kind !== 'word' || depth !== 0) {
        continue;
      }
      const w = t.upper;
      if (w === 'CASE') {
        caseDepth++;
        continue;
      }
      if (w === 'END') {
        if (caseDepth > 0) {
          caseDepth--;
          continue;
        }
        return i;
      }
      if (w === 'ELSE' && caseDepth === 0) {
        return i;
      }
      if (w === 'VALUES') {
        sawSelectOrValues = true;
      }
      if (!starters.has(w)) {
        continue;
      }
      const prev = tokens[i - 1] as Token;
      if (this.continues(head, w, prev, i, { mainSeen, sawSelectOrValues, sawSet })) {
        if (head === 'WITH' && !mainSeen && ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(w)) {
          mainSeen = true;
        }
        if (w === 'SELECT' || w === 'EXEC' || w === 'EXECUTE') {
          sawSelectOrValues = true;
        }
        if (w === 'SET') {
          sawSet = true;
        }
        continue;
      }
      return i;
    }
    return tokens.length;
  }

  private continues(
    head: string,
    w: string,
    prev: Token,
    i: number,
    state: { mainSeen: boolean; sawSelectOrValues: boolean; sawSet: boolean },
  ): boolean {
    const p = prev.kind === 'word' ? prev.upper : '';
    switch (w) {
      case 'SELECT':
        if (['UNION', 'ALL', 'EXCEPT', 'INTERSECT', 'AS', 'FOR'].includes(p)) {
          return true;
        }
        if (head === 'WITH' && !state.mainSeen) {
          return true;
        }
        if (head === 'INSERT' && !state.sawSelectOrValues) {
          return true;
        }
        return false;
      case 'SET':
        return (head === 'UPDATE' && !state.sawSet) || head === 'MERGE' || head === 'ALTER';
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
        return (head === 'WITH' && !state.mainSeen) || head === 'MERGE' || p === 'ON' || p === 'FOR';
      case 'WITH':
        return !this.isCteStart(i);
      case 'DROP':
      case 'ALTER':
        return head === 'ALTER';
      case 'MERGE':
        // ALTER PARTITION FUNCTION pf() MERGE RANGE (v)
        return head === 'ALTER' && p === '';
      case 'IF':
        return isWord(this.tokens[i + 1], 'EXISTS') && (head === 'DROP' || head === 'CREATE');
      case 'EXEC':
      case 'EXECUTE':
        return head === 'INSERT' && !state.sawSelectOrValues;
      default:
        return false;
    }
  }

  /** `WITH name AS (` or `WITH name (cols) AS (` starts a statement; other WITHs are hints/options. */
  private isCteStart(i: number): boolean {
    const t = this.tokens;
    if (!isName(t[i + 1])) {
      return false;
    }
    let j = i + 2;
    if (isOp(t[j], '(')) {
      let depth = 0;
      for (; j < t.length; j++) {
        if (isOp(t[j], '(')) {
          depth++;
        } else if (isOp(t[j], ')')) {
          depth--;
          if (depth === 0) {
            j++;
            break;
          }
        }
      }
    }
    return isWord(t[j], 'AS') && isOp(t[j + 1], '(');
  }
}
