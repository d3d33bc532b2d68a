import type { SqlType } from '../types/sql-type.js';
import {
  CurCmd,
  DataType,
  DoneStatus,
  defaultCollation,
  EnvChangeType,
  TokenType,
  tdsVersion74,
} from './protocol.js';
import type { TdsWriter } from './tds-writer.js';

/** The server name SQL Server puts in ERROR and INFO tokens. */
export const serverName = 'mssql-emulator';

/** Writes a DONE, DONEPROC or DONEINPROC token. */
export function writeDone(
  w: TdsWriter,
  token: number,
  status: number,
  curCmd: number = CurCmd.None,
  rowCount = 0,
): void {
  w.u8(token);
  w.u16(status);
  w.u16(curCmd);
  w.u64(BigInt(rowCount));
}

/** An ERROR or INFO message as the client sees it. */
export interface ServerMessage {
  readonly number: number;
  readonly state: number;
  readonly severity: number;
  readonly message: string;
  readonly procName?: string;
  readonly lineNumber?: number;
}

/** Writes an ERROR (or, with `info`, an INFO) token. */
export function writeMessage(w: TdsWriter, m: ServerMessage, info = false): void {
  const procName = m.procName ?? '';
  const message = m.message.length > 4000 ? `${m.message.slice(0, 3997)}...` : m.message;
  const length = 4 + 1 + 1 + 2 + message.length * 2 + 1 + serverName.length * 2 + 1 + procName.length * 2 + 4;
  w.u8(info ? TokenType.Info : TokenType.Error);
  w.u16(length);
  w.i32(m.number);
  w.u8(m.state);
  w.u8(m.severity);
  w.usVarchar(message);
  w.bVarchar(serverName);
  w.bVarchar(procName);
  w.u32(m.lineNumber ?? 1);
}

/** ENVCHANGE with B_VARCHAR values (database, language, packet size). */
export function writeEnvChangeText(w: TdsWriter, type: number, newValue: string, oldValue: string): void {
  w.u8(TokenType.EnvChange);
  w.u16(1 + 1 + newValue.length * 2 + 1 + oldValue.length * 2);
  w.u8(type);
  w.bVarchar(newValue);
  w.bVarchar(oldValue);
}

/** ENVCHANGE with B_VARBYTE values (collation, transaction descriptors). */
export function writeEnvChangeBytes(
  w: TdsWriter,
  type: number,
  newValue: Uint8Array,
  oldValue: Uint8Array,
): void {
  w.u8(TokenType.EnvChange);
  w.u16(1 + 1 + newValue.length + 1 + oldValue.length);
  w.u8(type);
  w.u8(newValue.length);
  w.bytes(newValue);
  w.u8(oldValue.length);
  w.bytes(oldValue);
}

/**
 * The tokens of a successful login: database, collation, language, LOGINACK (and FEATUREEXTACK
 * when the login used an access token), packet size.
 */
export function writeLoginSuccess(w: TdsWriter, database: string, packetSize: number, fedAuth = false): void {
  writeEnvChangeText(w, EnvChangeType.Database, database, 'master');
  writeMessage(
    w,
    { number: 5701, state: 2, severity: 0, message: `Changed database context to '${database}'.` },
    true,
  );
  writeEnvChangeBytes(w, EnvChangeType.SqlCollation, defaultCollation, new Uint8Array(0));
  writeEnvChangeText(w, EnvChangeType.Language, 'us_english', '');
  writeMessage(
    w,
    { number: 5703, state: 1, severity: 0, message: 'Changed language setting to us_english.' },
    true,
  );
  const progName = 'Microsoft SQL Server';
  w.u8(TokenType.LoginAck);
  w.u16(1 + 4 + 1 + progName.length * 2 + 4);
  w.u8(1);
  w.u32be(tdsVersion74);
  w.bVarchar(progName);
  // SQL Server 2022 (16.0.4003).
  w.u8(16);
  w.u8(0);
  w.u8(0x0f);
  w.u8(0xa3);
  if (fedAuth) {
    // FEATUREEXTACK for FEDAUTH with the security-token library: no data (no nonce was sent).
    w.u8(TokenType.FeatureExtAck);
    w.u8(0x02);
    w.u32(0);
    w.u8(0xff);
  }
  writeEnvChangeText(w, EnvChangeType.PacketSize, String(packetSize), String(packetSize));
  writeDone(w, TokenType.Done, DoneStatus.Final);
}

/** RETURNSTATUS token. */
export function writeReturnStatus(w: TdsWriter, value: number): void {
  w.u8(TokenType.ReturnStatus);
  w.i32(value);
}

/** Writes TYPE_INFO for a SQL Server type (MS-TDS 2.2.5.6). */
export function writeTypeInfo(w: TdsWriter, type: SqlType): void {
  switch (type.name) {
    case 'bit':
      w.u8(DataType.BitN);
      w.u8(1);
      return;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      w.u8(DataType.IntN);
      w.u8(type.maxLength);
      return;
    case 'decimal':
    case 'numeric':
      w.u8(type.name === 'decimal' ? DataType.DecimalN : DataType.NumericN);
      w.u8(type.maxLength);
      w.u8(type.precision);
      w.u8(type.scale);
      return;
    case 'money':
    case 'smallmoney':
      w.u8(DataType.MoneyN);
      w.u8(type.maxLength);
      return;
    case 'float':
    case 'real':
      w.u8(DataType.FltN);
      w.u8(type.maxLength);
      return;
    case 'date':
      w.u8(DataType.DateN);
      return;
    case 'time':
      w.u8(DataType.TimeN);
      w.u8(type.scale);
      return;
    case 'datetime2':
      w.u8(DataType.DateTime2N);
      w.u8(type.scale);
      return;
    case 'datetimeoffset':
      w.u8(DataType.DateTimeOffsetN);
      w.u8(type.scale);
      return;
    case 'datetime':
    case 'smalldatetime':
      w.u8(DataType.DateTimN);
      w.u8(type.maxLength);
      return;
    case 'uniqueidentifier':
      w.u8(DataType.Guid);
      w.u8(16);
      return;
    case 'char':
    case 'varchar':
    case 'text':
      w.u8(type.name === 'char' ? DataType.BigChar : DataType.BigVarChar);
      w.u16(type.maxLength < 0 || type.name === 'text' ? 0xffff : type.maxLength);
      w.bytes(defaultCollation);
      return;
    case 'nchar':
    case 'nvarchar':
    case 'ntext':
      w.u8(type.name === 'nchar' ? DataType.NChar : DataType.NVarChar);
      w.u16(type.maxLength < 0 || type.name === 'ntext' ? 0xffff : type.maxLength);
      w.bytes(defaultCollation);
      return;
    case 'binary':
    case 'timestamp':
      w.u8(DataType.BigBinary);
      w.u16(type.maxLength);
      return;
    case 'varbinary':
    case 'image':
      w.u8(DataType.BigVarBinary);
      w.u16(type.maxLength < 0 || type.name === 'image' ? 0xffff : type.maxLength);
      return;
    case 'xml':
      w.u8(DataType.Xml);
      w.u8(0);
      return;
    case 'sql_variant':
      w.u8(DataType.SqlVariant);
      w.u32(8016);
      return;
  }
}

/** One column of a result set as COLMETADATA describes it. */
export interface ResultColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  readonly identity?: boolean;
}

/** Writes COLMETADATA for a result set. */
export function writeColMetadata(w: TdsWriter, columns: readonly ResultColumn[]): void {
  w.u8(TokenType.ColMetadata);
  w.u16(columns.length);
  for (const c of columns) {
    // UserType: 80 marks timestamp (rowversion); 0 for the other system types.
    w.u32(c.type.name === 'timestamp' ? 80 : 0);
    let flags = c.nullable ? 0x01 : 0;
    if (c.identity === true) {
      flags |= 0x10;
    }
    // usUpdateable = 2 (unknown), as SQL Server reports for query results.
    flags |= 0x08;
    w.u16(flags);
    writeTypeInfo(w, c.type);
    w.bVarchar(c.name);
  }
}

/** RETURNVALUE for an int output parameter (sp_prepare's handle). */
export function writeReturnValueInt(w: TdsWriter, ordinal: number, name: string, value: number): void {
  w.u8(TokenType.ReturnValue);
  w.u16(ordinal);
  w.bVarchar(name.startsWith('@') ? name : `@${name}`);
  w.u8(0x01);
  w.u32(0);
  w.u16(0x01);
  w.u8(DataType.IntN);
  w.u8(4);
  w.u8(4);
  w.i32(value);
}
