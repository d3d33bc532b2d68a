import { describe, expect, it } from 'vitest';
import { scdStateCodec, watermarkFits } from './scd-state-rebuild.js';

describe('watermarkFits', () => {
  it.each([
    ['2024-01-01', 'date', true],
    ['2024-01-01 10:00:00', 'date', false],
    ['2024-01-01 10:00:00.000', 'smalldatetime', true],
    ['2024-01-01 10:00:00.003', 'datetime', true],
    ['2024-01-01 10:00:00.1234567', 'datetime2(7)', true],
    ['2024-01-01 10:00:00.003', 'datetime2(7)', false],
    ['2024-01-01 10:00:00', 'datetime2(0)', true],
    ['2024-01-01 10:00:00.12', 'datetime2(3)', false],
  ] as const)('%s as %s: %s', (text, type, fits) => {
    expect(watermarkFits(text, type)).toBe(fits);
  });
});

describe('scdStateCodec', () => {
  const state = {
    version: 1,
    tableId: 'crm.Customers',
    lastRunId: 'r1',
    lastLoadedAt: '2026-01-01T00:00:00.000Z',
    watermark: '2024-01-01 10:00:00.003',
    lastModifiedType: 'datetime',
    bucketCount: 16,
    businessKey: ['Id'],
    versions: 3,
  };

  it('accepts a state as the handler writes it, and refuses a bucket count out of range', () => {
    expect(scdStateCodec.schema.safeParse(state).success).toBe(true);
    expect(scdStateCodec.schema.safeParse({ ...state, bucketCount: 0 }).success).toBe(false);
    expect(scdStateCodec.schema.safeParse({ ...state, businessKey: [] }).success).toBe(false);
  });
});
