import { contractBenchmark } from './contract.ts';
import { simBenchmark } from './sim.ts';
import { edgeBenchmark } from './edge.ts';
import { brokerBenchmark } from './broker.ts';
import { gatewayBenchmark } from './gateway.ts';
import { processorBenchmark } from './processor.ts';
import { e2eBenchmark } from './e2e.ts';
import { jobsBenchmark } from './jobs.ts';
import { consoleBenchmark } from './console.ts';
import { alertsBenchmark, alertsDefaultBenchmark } from './alerts.ts';
import { apiBenchmark } from './api.ts';
import { ragBenchmark } from './rag.ts';
import type { Benchmark } from './types.ts';

/** Every benchmark group `npm run bench` knows; `npm run bench -- <group>` runs one. */
export const benchmarks: Benchmark[] = [
  contractBenchmark,
  simBenchmark,
  brokerBenchmark,
  gatewayBenchmark,
  edgeBenchmark,
  processorBenchmark,
  e2eBenchmark,
  alertsBenchmark,
  alertsDefaultBenchmark,
  jobsBenchmark,
  consoleBenchmark,
  apiBenchmark,
  ragBenchmark,
];
