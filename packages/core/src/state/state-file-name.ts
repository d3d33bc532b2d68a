import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9_.-]$/;
const HASHED_MARK = '~';
const MAX_ENCODED = 180;

/**
 * The file name (without directory) holding a table's state: `<schema>.<table>.json`.
 *
 * Characters other than ASCII letters, digits, `_`, `.` and `-` are percent-encoded (UTF-8), so
 * `/`, `\` and `..` can never leave the state directory and the name decodes back to the id. Ids
 * whose encoding would pass file-system name limits are cut and given a `~<sha256>` suffix; those
 * are recognised by the `~`, which the encoding never produces.
 *
 * @example
 * stateFileName('sales.Orders'); // 'sales.Orders.json'
 * stateFileName('dbo.Order Lines'); // 'dbo.Order%20Lines.json'
 */
export function stateFileName(tableId: string): string {
  let encoded = '';
  for (const char of tableId) {
    encoded += SAFE.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')]
          .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
          .join('');
  }
  // A leading dot would make a hidden file (and '..' a confusing one).
  if (encoded.startsWith('.')) {
    encoded = `%2E${encoded.slice(1)}`;
  }
  if (encoded.length > MAX_ENCODED) {
    const hash = createHash('sha256').update(tableId, 'utf8').digest('hex').slice(0, 16);
    const cut = encoded.slice(0, MAX_ENCODED).replace(/%[0-9A-F]?$/, '');
    encoded = `${cut}${HASHED_MARK}${hash}`;
  }
  return `${encoded}.json`;
}

/**
 * The table id of a state file name made by {@link stateFileName}, or `undefined` when the name was
 * cut and hashed (the id must then be read from the file) or is not a state file.
 */
export function tableIdFromFileName(fileName: string): string | undefined {
  if (!fileName.endsWith('.json') || fileName.includes(HASHED_MARK) || fileName.startsWith('.')) {
    return undefined;
  }
  try {
    return decodeURIComponent(fileName.slice(0, -'.json'.length));
  } catch {
    return undefined;
  }
}

/** True for names the store writes transiently or as backups, never as live state. */
export function isStateFileName(fileName: string): boolean {
  return fileName.endsWith('.json') && !fileName.startsWith('.');
}
