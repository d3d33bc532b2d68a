import { z } from 'zod';

/**
 * A SQL Server identifier or other name that must not be blank. Values are kept exactly as written
 * (no trimming): SQL Server allows leading spaces in bracketed names, rare as they are.
 */
export const sqlName = z
  .string()
  .min(1)
  .refine((s) => s === '' || s.trim() !== '', { message: 'must not be blank' });

/** Names that would escape or confuse a lake directory when used as one path segment. */
export function lakeSegmentProblem(name: string): string | undefined {
  if (name === '.' || name === '..') {
    return `"${name}" cannot name a lake directory`;
  }
  if (/[/\\\0]/.test(name)) {
    return `"${name}" contains a path separator; set a target name without / or \\`;
  }
  return undefined;
}
