import sql from 'mssql';

/** A bound parameter of a predicate; its value is never concatenated into T-SQL. */
export interface QueryParam {
  readonly name: string;
  readonly type: 'int' | 'bigint' | 'nvarchar' | 'date' | 'datetime2' | 'decimal';
  readonly value: string | number | bigint | Date | null;
  /** For decimal parameters. */
  readonly precision?: number;
  readonly scale?: number;
}

/** A WHERE clause over quoted identifiers and `@name` parameters. */
export interface RowPredicate {
  readonly sql: string;
  readonly params?: readonly QueryParam[];
}

/** Binds a predicate's parameters to a request with their SQL Server types. */
export function bindParameters(request: sql.Request, predicate: RowPredicate | undefined): void {
  for (const param of predicate?.params ?? []) {
    const value = typeof param.value === 'bigint' ? param.value.toString() : param.value;
    switch (param.type) {
      case 'int':
        request.input(param.name, sql.Int, value);
        break;
      case 'bigint':
        request.input(param.name, sql.BigInt, value);
        break;
      case 'nvarchar':
        request.input(param.name, sql.NVarChar(sql.MAX), value);
        break;
      case 'date':
        request.input(param.name, sql.Date, value);
        break;
      case 'datetime2':
        request.input(param.name, sql.DateTime2(7), value);
        break;
      case 'decimal':
        request.input(param.name, sql.Decimal(param.precision ?? 38, param.scale ?? 0), value);
        break;
    }
  }
}
