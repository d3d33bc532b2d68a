import { createHash } from 'node:crypto';
import {
  BLOB,
  blobValue,
  type DuckDBConnection,
  DuckDBScalarFunction,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  VARCHAR,
} from '@duckdb/node-api';
import { binaryChecksum, varcharChecksum } from './checksum.js';
import { cp1252Length, writeCp1252 } from './tds/cp1252.js';

/** The node:crypto digest of each HASHBYTES algorithm the emulator supports. */
const digests: Readonly<Record<string, string>> = {
  MD5: 'md5',
  SHA: 'sha1',
  SHA1: 'sha1',
  SHA2_256: 'sha256',
  SHA2_512: 'sha512',
};

/** True for the HASHBYTES algorithm names (upper case) the emulator can compute. */
export function isHashAlgorithm(name: string): boolean {
  return digests[name] !== undefined;
}

function blobBytes(v: DuckDBValue): Uint8Array {
  return (v as unknown as { bytes: Uint8Array }).bytes;
}

function unary(
  name: string,
  returnType: DuckDBType,
  argType: DuckDBType,
  fn: (v: DuckDBValue) => DuckDBValue,
): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name,
    returnType,
    parameterTypes: [argType],
    mainFunction: (_info, input, output) => {
      const v = input.getColumnVector(0);
      for (let r = 0; r < input.rowCount; r++) {
        const x = v.getItem(r);
        output.setItem(r, x === null ? null : fn(x));
      }
      output.flush();
    },
  });
}

/**
 * Registers the DuckDB scalar functions T-SQL translation relies on (they are database-wide, so
 * once per instance):
 *
 * - `__emulator_utf16le(varchar) → blob`: an nvarchar's bytes as SQL Server holds them (UTF-16LE);
 * - `__emulator_cp1252(varchar) → blob`: a varchar's bytes in the default collation's code page
 *   1252 (characters it lacks become '?', as SQL Server stores them);
 * - `__emulator_hashbytes(algorithm varchar, data blob) → blob`: HASHBYTES over those bytes;
 * - `__emulator_binary_checksum(blob) → int`: SQL Server's BINARY_CHECKSUM of one binary value;
 * - `__emulator_varchar_checksum(varchar) → int`: SQL Server's CHECKSUM of one varchar value under
 *   SQL_Latin1_General_CP1_CI_AS (both in `checksum.ts`; NULL gives NULL).
 *
 * @example
 * registerHostFunctions(connection);
 * await connection.run("SELECT __emulator_hashbytes('MD5', __emulator_utf16le('é'))");
 */
export function registerHostFunctions(conn: DuckDBConnection): void {
  conn.registerScalarFunction(
    unary('__emulator_utf16le', BLOB, VARCHAR, (x) => blobValue(Buffer.from(String(x), 'utf16le'))),
  );
  conn.registerScalarFunction(
    unary('__emulator_cp1252', BLOB, VARCHAR, (x) => {
      const s = String(x);
      const buf = Buffer.alloc(cp1252Length(s));
      writeCp1252(buf, s, 0);
      return blobValue(buf);
    }),
  );
  conn.registerScalarFunction(
    unary('__emulator_binary_checksum', INTEGER, BLOB, (x) => binaryChecksum(blobBytes(x))),
  );
  conn.registerScalarFunction(
    unary('__emulator_varchar_checksum', INTEGER, VARCHAR, (x) => varcharChecksum(String(x))),
  );
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: '__emulator_hashbytes',
      returnType: BLOB,
      parameterTypes: [VARCHAR, BLOB],
      mainFunction: (info, input, output) => {
        const algos = input.getColumnVector(0);
        const data = input.getColumnVector(1);
        for (let r = 0; r < input.rowCount; r++) {
          const algo = algos.getItem(r);
          const x = data.getItem(r);
          const digest = algo === null ? undefined : digests[String(algo).toUpperCase()];
          if (algo === null || x === null) {
            output.setItem(r, null);
          } else if (digest === undefined) {
            info.setError(`HASHBYTES algorithm '${String(algo)}' is not supported by the emulator.`);
            return;
          } else {
            output.setItem(r, blobValue(createHash(digest).update(blobBytes(x)).digest()));
          }
        }
        output.flush();
      },
    }),
  );
}
