import type { LakeType, SourceColumn } from '@sync/core';

/** A nullable source column of the given lake type (the SQL Server facts do not matter to the writer). */
export function sourceColumn(name: string, lakeType: LakeType): SourceColumn {
  return { name, sqlType: lakeType.kind, maxLength: 0, precision: 0, scale: 0, nullable: true, lakeType };
}
