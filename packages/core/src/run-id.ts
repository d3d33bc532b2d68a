import { randomBytes } from 'node:crypto';

/**
 * A run id that sorts by start time to the millisecond and is safe in file names:
 * `20261125T120000123Z-a1b2c3`. Two runs started one after the other get ids in that order (the
 * state check of a static table compares them); the random tail tells apart runs started in the
 * same millisecond.
 *
 * @example
 * newRunId(new Date('2026-11-25T12:00:00.123Z')) // '20261125T120000123Z-…'
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
