/** DuckDB's own digests (hex text) of the HASHBYTES algorithms it has. */
const NATIVE: Readonly<Record<string, string>> = { MD5: 'md5', SHA2_256: 'sha256' };

/**
 * DuckDB SQL for HASHBYTES(`algorithm`, bytes): DuckDB's native md5/sha256 where it has them
 * (the same digests of the same bytes), the `__emulator_hashbytes` host function otherwise. A
 * digest computed in JavaScript row by row made a row-hash fold over 200,000 rows take seconds;
 * natively it is several times faster (the UTF-16LE widening of an nvarchar still runs in
 * JavaScript: DuckDB has no UTF-16, and widening with regexp_replace is slower still).
 *
 * @example
 * digestSql('SHA2_256', 'CAST("b" AS BLOB)') // 'unhex(sha256(CAST("b" AS BLOB)))'
 */
export function digestSql(algorithm: string, bytes: string): string {
  const native = NATIVE[algorithm];
  return native === undefined
    ? `__emulator_hashbytes('${algorithm}', ${bytes})`
    : `unhex(${native}(${bytes}))`;
}
