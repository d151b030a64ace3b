import { hostname } from 'node:os';
import { EdgeError } from '../errors.ts';
import { fleetPath, readOptional, writePrivateFile } from './private-files.ts';

/** What `ysh-edge enroll` stored: the site, the gateway it enrolled with and this box's agent id. */
export interface Enrollment {
  site: string;
  gateway: string;
  agentId: string;
  enrolledAt: string;
}

export interface StoredEnrollment {
  enrollment: Enrollment;
  token: string;
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The box's host name when it makes a valid agent id (what the fleet view shows), else "edge". */
export function defaultAgentId(): string {
  const h = hostname()
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .slice(0, 128);
  return AGENT_ID.test(h) ? h : 'edge';
}

export async function readEnrollment(dataDir: string): Promise<StoredEnrollment | undefined> {
  const text = await readOptional(fleetPath(dataDir, 'enrollment'));
  if (text === undefined) return undefined;
  const token = (await readOptional(fleetPath(dataDir, 'token')))?.trim();
  let enrollment: Enrollment;
  try {
    enrollment = JSON.parse(text) as Enrollment;
  } catch {
    throw new EdgeError('EDGE_ENROLL_STATE', `${fleetPath(dataDir, 'enrollment')}: not JSON; enroll again (--force)`);
  }
  if (!token || typeof enrollment.site !== 'string' || typeof enrollment.gateway !== 'string')
    throw new EdgeError(
      'EDGE_ENROLL_STATE',
      `${fleetPath(dataDir, 'enrollment')}: incomplete enrollment (site, gateway or token missing); enroll again (--force)`,
    );
  return { enrollment, token };
}

export interface EnrollOptions {
  gateway: string;
  code: string;
  dataDir: string;
  agentId?: string;
  /** Replace an existing enrollment. */
  force?: boolean;
  timeoutMs?: number;
}

/**
 * Exchanges a one-time enrollment code for the site token at the gateway and stores both the
 * token (0600, never printed or logged) and what the agent needs to run remotely configured.
 */
export async function enroll(opts: EnrollOptions): Promise<Enrollment> {
  let base: URL;
  try {
    base = new URL(opts.gateway);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new EdgeError(
      'EDGE_ENROLL_REFUSED',
      `--gateway: expected http(s)://host:port, got ${JSON.stringify(opts.gateway)}`,
    );
  }
  if (!opts.force && (await readOptional(fleetPath(opts.dataDir, 'enrollment'))) !== undefined)
    throw new EdgeError(
      'EDGE_ENROLL_REFUSED',
      `this box is already enrolled (${fleetPath(opts.dataDir, 'enrollment')}); use --force to enroll it again`,
    );
  const agentId = opts.agentId ?? defaultAgentId();
  if (!AGENT_ID.test(agentId))
    throw new EdgeError('EDGE_ENROLL_REFUSED', `--agent-id: ${JSON.stringify(agentId)} is not a valid agent id`);
  const gateway = base.toString().replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${gateway}/v1/edge/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: opts.code.trim(), agentId }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new EdgeError('EDGE_ENROLL_UNREACHABLE', `cannot reach the gateway at ${gateway}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: { site?: unknown; token?: unknown; error?: { code?: unknown; message?: unknown } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Described below by status.
  }
  if (!res.ok) {
    const message = typeof body.error?.message === 'string' ? body.error.message : `HTTP ${res.status}`;
    if (res.status === 429) throw new EdgeError('EDGE_ENROLL_UNREACHABLE', `${message}; wait a minute and try again`);
    if (res.status >= 500) throw new EdgeError('EDGE_ENROLL_UNREACHABLE', `the gateway failed: ${message}`);
    throw new EdgeError('EDGE_ENROLL_REFUSED', message);
  }
  if (typeof body.site !== 'string' || typeof body.token !== 'string' || body.token === '')
    throw new EdgeError('EDGE_ENROLL_UNREACHABLE', `the gateway at ${gateway} did not answer with a site and token`);
  const enrollment: Enrollment = { site: body.site, gateway, agentId, enrolledAt: new Date().toISOString() };
  await writePrivateFile(fleetPath(opts.dataDir, 'token'), `${body.token}\n`);
  await writePrivateFile(fleetPath(opts.dataDir, 'enrollment'), `${JSON.stringify(enrollment, null, 2)}\n`);
  return enrollment;
}
