/** TDS packet types (MS-TDS 2.2.3.1.1). */
export const PacketType = {
  SqlBatch: 0x01,
  Rpc: 0x03,
  TabularResult: 0x04,
  Attention: 0x06,
  BulkLoad: 0x07,
  TransactionManager: 0x0e,
  Login7: 0x10,
  Sspi: 0x11,
  PreLogin: 0x12,
} as const;

/** Packet header status bits. */
export const PacketStatus = {
  EndOfMessage: 0x01,
  ResetConnection: 0x08,
  ResetConnectionSkipTran: 0x10,
} as const;

/** Token types (MS-TDS 2.2.7). */
export const TokenType = {
  ReturnStatus: 0x79,
  ColMetadata: 0x81,
  Order: 0xa9,
  Error: 0xaa,
  Info: 0xab,
  ReturnValue: 0xac,
  LoginAck: 0xad,
  FeatureExtAck: 0xae,
  Row: 0xd1,
  NbcRow: 0xd2,
  EnvChange: 0xe3,
  Done: 0xfd,
  DoneProc: 0xfe,
  DoneInProc: 0xff,
} as const;

/** DONE status bits. */
export const DoneStatus = {
  Final: 0x00,
  More: 0x01,
  Error: 0x02,
  InXact: 0x04,
  Count: 0x10,
  Attention: 0x20,
  ServerError: 0x100,
} as const;

/** DONE CurCmd values SQL Server sends for the statement kinds the emulator runs. */
export const CurCmd = {
  None: 0x00,
  Select: 0xc1,
  Insert: 0xc3,
  Delete: 0xc4,
  Update: 0xc5,
  Execute: 0xe0,
} as const;

/** ENVCHANGE types. */
export const EnvChangeType = {
  Database: 1,
  Language: 2,
  PacketSize: 4,
  SqlCollation: 7,
  BeginTransaction: 8,
  CommitTransaction: 9,
  RollbackTransaction: 10,
} as const;

/** TDS data type bytes (MS-TDS 2.2.5.4). */
export const DataType = {
  Null: 0x1f,
  Image: 0x22,
  Text: 0x23,
  Guid: 0x24,
  IntN: 0x26,
  DateN: 0x28,
  TimeN: 0x29,
  DateTime2N: 0x2a,
  DateTimeOffsetN: 0x2b,
  Int1: 0x30,
  Bit: 0x32,
  Int2: 0x34,
  Int4: 0x38,
  DateTim4: 0x3a,
  Flt4: 0x3b,
  Money: 0x3c,
  DateTime: 0x3d,
  Flt8: 0x3e,
  Money4: 0x7a,
  Int8: 0x7f,
  BitN: 0x68,
  DecimalN: 0x6a,
  NumericN: 0x6c,
  FltN: 0x6d,
  MoneyN: 0x6e,
  DateTimN: 0x6f,
  BigVarBinary: 0xa5,
  BigVarChar: 0xa7,
  BigBinary: 0xad,
  BigChar: 0xaf,
  NVarChar: 0xe7,
  NChar: 0xef,
  Xml: 0xf1,
  Udt: 0xf0,
  NText: 0x63,
  SqlVariant: 0x62,
  Tvp: 0xf3,
} as const;

/** TDS 7.4, as LOGINACK reports it. */
export const tdsVersion74 = 0x74000004;

/**
 * The collation SQL Server installs by default, SQL_Latin1_General_CP1_CI_AS (code page 1252),
 * as its five TDS bytes.
 */
export const defaultCollation = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
