/**
 * `{+|-}hh:mm` of an offset in minutes.
 *
 * @example
 * offsetText(-330) // '-05:30'
 */
export function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(a / 60))}:${two(a % 60)}`;
}
