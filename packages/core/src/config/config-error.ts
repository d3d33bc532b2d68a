import type { z } from 'zod';
import { SqlSyncError } from '../errors.js';

/** One problem found in a config document: a snake_case path as written in the file, and what is wrong. */
export interface ConfigProblem {
  /** Dotted path in the file's own (snake_case) names, e.g. `static_tables[0].load_strategy`; `''` for the document itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * Renders a path as a user would point at it in their file.
 *
 * @example
 * formatConfigPath(['static_tables', 0, 'load_strategy']); // 'static_tables[0].load_strategy'
 * formatConfigPath(['scd_tables', 1, 'columns', 'Order Date']); // 'scd_tables[1].columns["Order Date"]'
 */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
    } else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      out += out === '' ? key : `.${key}`;
    } else {
      out += `[${JSON.stringify(String(key))}]`;
    }
  }
  return out;
}

/** The `SqlSyncError('CONFIG_INVALID')` for a list of problems: one line per problem, each naming the file and path. */
export function configInvalid(
  source: string,
  problems: readonly ConfigProblem[],
  cause?: unknown,
): SqlSyncError {
  const lines = problems.map((p) =>
    p.path === '' ? `${source}: ${p.message}` : `${source}: ${p.path}: ${p.message}`,
  );
  const first = problems[0];
  return new SqlSyncError('CONFIG_INVALID', lines.join('\n'), {
    context: {
      file: source,
      ...(first === undefined || first.path === '' ? {} : { configPath: first.path }),
    },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Turns zod issues into problems with messages written for people editing a YAML file. An unknown
 * key close to one of `knownKeys` gets a "did you mean" hint.
 */
export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  knownKeys: readonly string[] = [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // One line per key, with the key in the path, so the user can jump straight to the typo.
      for (const key of issue.keys) {
        const hint = closest(key, knownKeys);
        problems.push({
          path: formatConfigPath([...issue.path, key]),
          message: `unknown key${hint === undefined ? '' : ` (did you mean ${hint}?)`}`,
        });
      }
      continue;
    }
    problems.push({ path: formatConfigPath(issue.path), message: describeIssue(issue) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input: unknown = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) {
        return 'required';
      }
      return `expected ${typeName(issue.expected)}, got ${describeValue(input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${String(issue.values[0])}, got ${describeValue(input)}`
        : `expected one of ${issue.values.map(String).join('|')}, got ${describeValue(input)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) {
        return 'must not be empty';
      }
      if (issue.origin === 'array') {
        return `must list at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      }
      return `must be ${issue.inclusive === false ? '>' : '>='} ${issue.minimum}, got ${describeValue(input)}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? '<' : '<='} ${issue.maximum}, got ${describeValue(input)}`;
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'int':
      return 'an integer';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'object') {
    return 'a mapping';
  }
  return String(value);
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
