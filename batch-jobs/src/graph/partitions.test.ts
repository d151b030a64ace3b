import { describe, expect, it } from 'vitest';
import { checkPartition, partitionRange } from './partitions.ts';

const daily = { kind: 'daily' as const, start: '2026-01-01' };
const monthly = { kind: 'monthly' as const, start: '2025-11-15' };

describe('partitions', () => {
  it('lists daily and monthly keys across month and year ends', () => {
    expect(partitionRange('t', daily, '2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(partitionRange('t', monthly, '2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('refuses malformed, impossible, early and misplaced keys with the asset named', () => {
    expect(() => checkPartition('tarifas', daily, '2026-02-30')).toThrow(/tarifas partition: expected a date/);
    expect(() => checkPartition('tarifas', daily, '2026-2-1')).toThrow(/YYYY-MM-DD/);
    expect(() => checkPartition('tarifas', daily, '2025-12-31')).toThrow(/before its start 2026-01-01/);
    expect(() => checkPartition('tarifas', daily, undefined)).toThrow(/name a partition/);
    expect(() => checkPartition('catalog', undefined, '2026-01-01')).toThrow(/not partitioned/);
    expect(() => partitionRange('tarifas', daily, '2026-03-02', '2026-03-01')).toThrow(/after --to/);
    expect(checkPartition('catalog', undefined, undefined)).toBe('');
  });
});
