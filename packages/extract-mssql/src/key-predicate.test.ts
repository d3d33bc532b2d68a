import type { SourceColumn } from '@sync/core';
import { describe, expect, it } from 'vitest';
import type { TableReadPlan } from './catalog.js';
import { keyBindingProblem, keyPredicates } from './key-predicate.js';

function column(name: string, sqlType: string, precision = 0, scale = 0): SourceColumn {
  return { name, sqlType, maxLength: 0, precision, scale, nullable: false, lakeType: { kind: 'string' } };
}

const plan = {
  schema: {
    schemaName: 'dbo',
    tableName: 'T',
    columns: [
      column('A', 'nvarchar'),
      column('B', 'varchar'),
      column('Id', 'int'),
      column('Big', 'bigint'),
      column('Day', 'date'),
      column('Price', 'decimal', 10, 2),
      column('Wide', 'decimal', 38, 10),
      column('At', 'datetime2', 27, 7),
      column('Flag', 'bit'),
    ],
  },
  columns: [],
} as unknown as TableReadPlan;

describe('keyPredicates', () => {
  it('binds one key column as an IN list, NULL as IS NULL', () => {
    expect(keyPredicates(plan, ['Id'], [['7'], [null], ['12']])).toEqual([
      {
        sql: '[Id] IN (@k0, @k2) OR [Id] IS NULL',
        params: [
          { name: 'k0', type: 'int', value: 7 },
          { name: 'k2', type: 'int', value: 12 },
        ],
      },
    ]);
  });

  it('compares a composite key column by column, so (ab, c) and (a, bc) stay apart', () => {
    const [predicate] = keyPredicates(
      plan,
      ['A', 'B'],
      [
        ['ab', 'c'],
        ['a', 'bc'],
      ],
    );
    expect(predicate?.sql).toBe('([A] = @k0_0 AND [B] = @k0_1) OR ([A] = @k1_0 AND [B] = @k1_1)');
    expect(predicate?.params?.map((p) => [p.name, p.type, p.value])).toEqual([
      ['k0_0', 'nvarchar', 'ab'],
      ['k0_1', 'nvarchar', 'c'],
      ['k1_0', 'nvarchar', 'a'],
      ['k1_1', 'nvarchar', 'bc'],
    ]);
  });

  it('splits the keys so no request binds more than the limit', () => {
    const keys = Array.from({ length: 2501 }, (_, i) => [String(i), `${i}`]);
    const predicates = keyPredicates(plan, ['Id', 'A'], keys);
    expect(predicates.map((p) => p.params?.length)).toEqual([2000, 2000, 1002]);
    expect(predicates.every((p) => (p.params?.length ?? 0) <= 2000)).toBe(true);
  });

  it('converts bigint, date, decimal and bit text to their parameters', () => {
    const [predicate] = keyPredicates(
      plan,
      ['Big', 'Day', 'Price', 'Flag'],
      [['9223372036854775807', '0001-01-01', '1.50', 'true']],
    );
    expect(predicate?.params).toEqual([
      { name: 'k0_0', type: 'bigint', value: '9223372036854775807' },
      { name: 'k0_1', type: 'date', value: '0001-01-01' },
      { name: 'k0_2', type: 'decimal', value: 1.5, precision: 10, scale: 2 },
      { name: 'k0_3', type: 'bit', value: 1 },
    ]);
  });
});

describe('keyBindingProblem', () => {
  it('accepts exactly bindable key columns', () => {
    expect(keyBindingProblem(plan, ['A', 'Id', 'Big', 'Day', 'Price', 'Flag'])).toBeUndefined();
  });

  it('names a key column whose values cannot be bound exactly', () => {
    expect(keyBindingProblem(plan, ['Id', 'At'])).toBe(
      'key column At is datetime2, whose values cannot be bound exactly',
    );
    expect(keyBindingProblem(plan, ['Wide'])).toBe(
      'key column Wide is decimal(38,10), whose values cannot be bound exactly',
    );
  });
});
