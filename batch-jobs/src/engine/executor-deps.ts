import type { Logger } from '@ysh/common';
import type { Pool } from '@ysh/common/db';
import type PgBoss from 'pg-boss';
import type { AssetGraph } from '../graph/asset-graph.ts';
import type { StepJobPolicy } from './run-store.ts';

/** What a step executor and the step finish share: the database, the queue, the graph and the worker's hooks. */
export interface ExecutorDeps {
  pool: Pool;
  boss: PgBoss;
  graph: AssetGraph;
  policy: StepJobPolicy;
  logger: Logger;
  workerId: string;
  alertChannels: string[];
  /** Aborted when the worker stops: running steps are asked to stop. */
  shutdown: AbortSignal;
  /** Called after steps were queued by this worker (wake the local fetch loop). */
  onQueued?: (n: number) => void;
  onStepDone?: (asset: string, status: string, seconds: number) => void;
}
