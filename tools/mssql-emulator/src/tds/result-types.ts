import { type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import { isDecimalText } from '../types/decimal-text-type.js';
import { type SqlType, sqlType } from '../types/sql-type.js';

/**
 * The SQL Server type a computed DuckDB result column is reported as. Strings become
 * nvarchar(max) because a streamed result's longest value is not known when COLMETADATA goes out.
 */
export function sqlTypeForDuckDB(t: DuckDBType): SqlType {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return sqlType('bit');
    case DuckDBTypeId.UTINYINT:
      return sqlType('tinyint');
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
      return sqlType('smallint');
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.INTEGER:
      return sqlType('int');
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
      return sqlType('bigint');
    case DuckDBTypeId.UBIGINT:
      return sqlType('decimal', 20, 0);
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return sqlType('decimal', 38, 0);
    case DuckDBTypeId.FLOAT:
      return sqlType('real');
    case DuckDBTypeId.DOUBLE:
      return sqlType('float');
    case DuckDBTypeId.DECIMAL:
      return sqlType('decimal', t.width, t.scale);
    case DuckDBTypeId.DATE:
      return sqlType('date');
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return sqlType('time', 7);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_NS:
      return sqlType('datetime2', 7);
    case DuckDBTypeId.TIMESTAMP_MS:
      return sqlType('datetime2', 3);
    case DuckDBTypeId.TIMESTAMP_S:
      return sqlType('datetime2', 0);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return sqlType('datetimeoffset', 7);
    case DuckDBTypeId.UUID:
      return sqlType('uniqueidentifier');
    case DuckDBTypeId.BLOB:
      return sqlType('varbinary', -1);
    case DuckDBTypeId.SQLNULL:
      return sqlType('int');
    default:
      return sqlType('nvarchar', -1);
  }
}

/**
 * True when a DuckDB result column can carry a declared SQL Server type unchanged: the column
 * is stored as exactly this DuckDB type.
 */
export function storageMatches(declared: SqlType, t: DuckDBType): boolean {
  if (isDecimalText(declared)) {
    return t.typeId === DuckDBTypeId.DECIMAL;
  }
  switch (declared.name) {
    case 'bit':
      return t.typeId === DuckDBTypeId.BOOLEAN;
    case 'tinyint':
      return t.typeId === DuckDBTypeId.UTINYINT;
    case 'smallint':
      return t.typeId === DuckDBTypeId.SMALLINT;
    case 'int':
      return t.typeId === DuckDBTypeId.INTEGER;
    case 'bigint':
    case 'timestamp':
      return t.typeId === DuckDBTypeId.BIGINT;
    case 'decimal':
    case 'numeric':
      return (
        t.typeId === DuckDBTypeId.DECIMAL && t.width === declared.precision && t.scale === declared.scale
      );
    case 'money':
      return t.typeId === DuckDBTypeId.DECIMAL && t.width === 19 && t.scale === 4;
    case 'smallmoney':
      return t.typeId === DuckDBTypeId.DECIMAL && t.width === 10 && t.scale === 4;
    case 'float':
      return t.typeId === DuckDBTypeId.DOUBLE;
    case 'real':
      return t.typeId === DuckDBTypeId.FLOAT;
    case 'date':
      return t.typeId === DuckDBTypeId.DATE;
    case 'time':
      return t.typeId === DuckDBTypeId.TIME;
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
      return t.typeId === DuckDBTypeId.TIMESTAMP;
    case 'datetimeoffset':
      return t.typeId === DuckDBTypeId.TIMESTAMP_TZ;
    case 'uniqueidentifier':
      return t.typeId === DuckDBTypeId.UUID;
    case 'binary':
    case 'varbinary':
    case 'image':
      return t.typeId === DuckDBTypeId.BLOB;
    default:
      return t.typeId === DuckDBTypeId.VARCHAR;
  }
}
