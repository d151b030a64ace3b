import { createContractValidator } from '@ysh/common';
import { sampleReading } from '@ysh/test-helpers';
import type { Benchmark, BenchRow } from './types.ts';

function sampleReadings(n: number): unknown[] {
  const t0 = Date.now() - 3_600_000;
  return Array.from({ length: n }, (_, i) => {
    const base = sampleReading({
      device: `inv-${String(i % 100).padStart(4, '0')}`,
      ts: new Date(t0 + i * 1000).toISOString(),
      seq: i,
    });
    return { ...base, metrics: { ...base.metrics, ac_power_w: 4520.5 + (i % 7), ac_energy_wh: 18234567 + i } };
  });
}

function rate(fn: (x: unknown) => unknown, items: unknown[], seconds = 1.5): number {
  let count = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    for (const item of items) fn(item);
    count += items.length;
  }
  return count / ((performance.now() - start) / 1000);
}

export const contractBenchmark: Benchmark = {
  group: 'contract',
  description: 'telemetry contract v1 reading validation (compiled Ajv + checks) vs JSON.parse of the same reading',
  async run(): Promise<BenchRow[]> {
    const validator = createContractValidator();
    const readings = sampleReadings(1000);
    const texts = readings.map((r) => JSON.stringify(r));
    const validations = rate((r) => validator.reading(r), readings);
    const parses = rate((t) => JSON.parse(t as string), texts);
    return [
      {
        group: 'contract',
        name: 'reading validations',
        value: validations,
        unit: 'validations/s',
        peer: 'JSON.parse of the same reading',
        peerValue: parses,
        ratio: validations / parses,
        target: '≥ 200,000/s (hot path headroom)',
        met: validations >= 200_000,
      },
    ];
  },
};
