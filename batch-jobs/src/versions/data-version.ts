import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

/**
 * Canonical JSON: object keys sorted, no undefined, no cycles. JSON is an
 * unambiguous encoding (every string is quoted and escaped, every list
 * delimited), so ("ab","c") and ("a","bc") can never hash alike — the flaw of
 * hashing concatenated strings without delimiters.
 */
export const canonicalJson = configure({ deterministic: true, bigint: true, circularValue: Error }) as (
  value: unknown,
) => string;

/** Hex sha256 of the canonical encoding of `[domain, ...parts]`, cut to 24 characters (96 bits). */
export function versionHash(domain: string, ...parts: unknown[]): string {
  return createHash('sha256')
    .update(canonicalJson([domain, ...parts]))
    .digest('hex')
    .slice(0, 24);
}

export function configHash(config: unknown): string {
  return versionHash('ysh.jobs.config.v1', config ?? null);
}

export interface VersionInputs {
  codeVersion: string;
  configHash: string;
  /** asset key -> data version of what this step read */
  upstream: Readonly<Record<string, string>>;
}

/** What a step would read: equal input versions mean the asset is up to date. */
export function inputVersion(inputs: VersionInputs, sourceVersion: string | undefined): string {
  return versionHash(
    'ysh.jobs.input.v1',
    inputs.codeVersion,
    inputs.configHash,
    inputs.upstream,
    sourceVersion ?? null,
  );
}

/** The data version recorded with a materialization. */
export function dataVersion(inputs: VersionInputs, outputFingerprint: string): string {
  return versionHash('ysh.jobs.data.v1', inputs.codeVersion, inputs.configHash, inputs.upstream, outputFingerprint);
}
