import type { Queryable } from '@ysh/common/db';

export type CheckSeverity = 'warn' | 'error';

export interface CheckContext {
  db: Queryable;
  assetKey: string;
  partition: string | undefined;
  config: Record<string, unknown>;
  /** Rows this materialization reported, and those of the asset's previous good materialization. */
  rowCount: number | undefined;
  previousRowCount: number | undefined;
}

export interface CheckOutcome {
  passed: boolean;
  /** What was found (failing rows, counts, the limits): stored and shown by status, run and compare. */
  details: Record<string, unknown>;
}

/**
 * One data-quality check of an asset, run right after each materialization.
 * Severity error + blocking (the default for error): a failure marks the asset
 * failed and blocks its downstream steps in the run. Warnings are stored and
 * shown, never block.
 */
export interface AssetCheck {
  name: string;
  severity: CheckSeverity;
  blocking: boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export interface CheckResult {
  name: string;
  severity: CheckSeverity;
  blocking: boolean;
  passed: boolean;
  details: Record<string, unknown>;
}

/** Runs every check; a check that throws counts as failed with the error in its details. */
export async function runChecks(checks: readonly AssetCheck[], ctx: CheckContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) {
    let outcome: CheckOutcome;
    try {
      outcome = await c.run(ctx);
    } catch (err) {
      outcome = { passed: false, details: { error: err instanceof Error ? err.message : String(err) } };
    }
    out.push({ name: c.name, severity: c.severity, blocking: c.blocking, ...outcome });
  }
  return out;
}

/** The first failed blocking check, if any: it stops the asset. */
export function blockingFailure(results: readonly CheckResult[]): CheckResult | undefined {
  return results.find((r) => !r.passed && r.severity === 'error' && r.blocking);
}
