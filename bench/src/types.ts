/** One row of the benchmark table. Rows compare against a peer measured in the same run. */
export interface BenchRow {
  /** Which benchmark group (broker, sim, edge, gateway, processor, contract, e2e). */
  group: string;
  /** What was measured, e.g. "produce 1 KiB, kcat -P, fsync interval 1s". */
  name: string;
  value: number;
  unit: string;
  /** The peer measured in the same run, e.g. "kcat", "mbpoll", "bare kafkajs loop". */
  peer?: string;
  peerValue?: number;
  /** value ÷ peerValue (or the reverse for latencies; say so in notes). */
  ratio?: number;
  /** The target from the issue, in words ("≥ 100 MB/s"), and whether it was met. */
  target?: string;
  met?: boolean;
  notes?: string;
  /** Figures behind the row for bench/results.json (e.g. a curve point: p50, p99, max, CPU per component). */
  details?: Record<string, number | string>;
}

export interface Benchmark {
  group: string;
  description: string;
  run(): Promise<BenchRow[]>;
}
