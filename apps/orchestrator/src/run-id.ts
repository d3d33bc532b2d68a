import { randomBytes } from 'node:crypto';

/**
 * A run id that sorts by start time and is safe in file names: `20261125T120000Z-a1b2c3`.
 *
 * @example
 * newRunId(new Date('2026-11-25T12:00:00Z')) // '20261125T120000Z-…'
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
