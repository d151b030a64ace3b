import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { Queryable } from '../db/queryable.ts';
import { FleetError } from './errors.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const ISO = Type.String({ minLength: 20, maxLength: 35, pattern: '^\\d{4}-\\d{2}-\\d{2}T' });

const IdText = Nullable(Type.String({ maxLength: 64 }));
/** A device's SunSpec common model (model 1), as discovered by the agent. */
export const DeviceIdentitySchema = Type.Object(
  { manufacturer: IdText, model: IdText, serial: IdText, version: IdText, options: IdText },
  { additionalProperties: false },
);
export type DeviceIdentity = Static<typeof DeviceIdentitySchema>;

/** What an agent sends every minute (POST /v1/edge/heartbeat on the gateway). */
export const HeartbeatSchema = Type.Object(
  {
    agentId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    configVersion: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    configError: Nullable(Type.String({ maxLength: 4000 })),
    uptimeS: Type.Number({ minimum: 0 }),
    bufferDepth: Type.Integer({ minimum: 0 }),
    oldestBufferedAt: Nullable(ISO),
    devices: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 32 }), { maxProperties: 2000 }),
    /** Identity of each device discovered so far (agents before 0.2 do not send it). */
    identities: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), DeviceIdentitySchema, { maxProperties: 2000 }),
    ),
    sentAt: ISO,
    lastError: Nullable(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof HeartbeatSchema>;

const check = new Ajv({ allErrors: false }).compile(HeartbeatSchema);

/** The heartbeat in a request body, or a FLEET_HEARTBEAT_INVALID naming the first wrong field. */
export function parseHeartbeat(value: unknown): Heartbeat {
  if (check(value)) return value as Heartbeat;
  const e = check.errors?.[0];
  const field = e ? (e.instancePath || '/').slice(1).replaceAll('/', '.') || '(body)' : '(body)';
  throw new FleetError('FLEET_HEARTBEAT_INVALID', `heartbeat: ${field} ${e?.message ?? 'is invalid'}`);
}

export const AGENT_FLAGS = ['not_reporting', 'behind', 'old_version'] as const;
export type AgentFlag = (typeof AGENT_FLAGS)[number];

export interface AgentStatus {
  site: string;
  agentId: string;
  version: string;
  configVersion: number | null;
  configError: string | null;
  uptimeS: number;
  bufferDepth: number;
  oldestBufferedAt: string | null;
  devices: Record<string, string>;
  identities: Record<string, DeviceIdentity>;
  /** Agent clock minus platform clock when the beat arrived (ms; positive = agent ahead). */
  clockOffsetMs: number | null;
  lastHeartbeatAt: string;
  lastError: string | null;
  flags: AgentFlag[];
}

export interface FleetQuery {
  /** No heartbeat for this long = not_reporting (default 3 min: three missed beats). */
  notReportingAfterMs?: number;
  /** Oldest buffered reading older than this = behind (default 15 min). */
  behindAfterMs?: number;
  /** The version agents should run; default the newest version any agent of the fleet reports. */
  currentVersion?: string;
  /** Only these sites (a user's scope); undefined = all. */
  sites?: readonly string[];
  now?: number;
}

/** Numeric comparison of dotted versions inside "name/1.2.3" (1.10 > 1.9). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.split('/').pop() ?? v).split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

interface Row {
  site_id: string;
  agent_id: string;
  version: string;
  config_version: number | null;
  config_error: string | null;
  uptime_s: number;
  buffer_depth: string;
  oldest_buffered_at: Date | null;
  devices: Record<string, string>;
  identities: Record<string, DeviceIdentity>;
  clock_offset_ms: number | null;
  last_error: string | null;
  received_at: Date;
}

/** The latest heartbeat of every agent (migration 0410) and the fleet view derived from it. */
export class AgentHeartbeats {
  constructor(private readonly db: Queryable) {}

  async record(site: string, hb: Heartbeat, receivedAt = new Date()): Promise<void> {
    const offset = Date.parse(hb.sentAt) - receivedAt.getTime();
    await this.db.query(
      `INSERT INTO agent_heartbeats (site_id, agent_id, version, config_version, config_error, uptime_s, buffer_depth,
              oldest_buffered_at, devices, clock_offset_ms, last_error, received_at, identities)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (site_id, agent_id) DO UPDATE SET version = EXCLUDED.version,
         config_version = EXCLUDED.config_version, config_error = EXCLUDED.config_error,
         uptime_s = EXCLUDED.uptime_s, buffer_depth = EXCLUDED.buffer_depth,
         oldest_buffered_at = EXCLUDED.oldest_buffered_at, devices = EXCLUDED.devices,
         clock_offset_ms = EXCLUDED.clock_offset_ms, last_error = EXCLUDED.last_error,
         received_at = EXCLUDED.received_at,
         -- an agent that does not report identities keeps the ones it reported before
         identities = CASE WHEN $14::boolean THEN EXCLUDED.identities ELSE agent_heartbeats.identities END`,
      [
        site,
        hb.agentId,
        hb.version,
        hb.configVersion,
        hb.configError,
        hb.uptimeS,
        hb.bufferDepth,
        hb.oldestBufferedAt,
        JSON.stringify(hb.devices),
        Number.isFinite(offset) ? offset : null,
        hb.lastError,
        receivedAt,
        JSON.stringify(hb.identities ?? {}),
        hb.identities !== undefined,
      ],
    );
  }

  /** Every agent with its flags, worst first (not reporting, then behind, then old version). */
  async list(q: FleetQuery = {}): Promise<AgentStatus[]> {
    const res =
      q.sites === undefined
        ? await this.db.query<Row>('SELECT * FROM agent_heartbeats')
        : await this.db.query<Row>('SELECT * FROM agent_heartbeats WHERE site_id = ANY($1)', [[...q.sites]]);
    const now = q.now ?? Date.now();
    const silentMs = q.notReportingAfterMs ?? 180_000;
    const behindMs = q.behindAfterMs ?? 900_000;
    const current =
      q.currentVersion ??
      res.rows
        .map((r) => r.version)
        .reduce<string | undefined>((a, v) => (a === undefined || compareVersions(v, a) > 0 ? v : a), undefined);
    const rank = (s: AgentStatus) => AGENT_FLAGS.reduce((n, f, i) => n + (s.flags.includes(f) ? 8 >> i : 0), 0);
    return res.rows
      .map((r): AgentStatus => {
        const flags: AgentFlag[] = [];
        if (now - r.received_at.getTime() > silentMs) flags.push('not_reporting');
        if (r.oldest_buffered_at && now - r.oldest_buffered_at.getTime() > behindMs) flags.push('behind');
        if (current !== undefined && compareVersions(r.version, current) < 0) flags.push('old_version');
        return {
          site: r.site_id,
          agentId: r.agent_id,
          version: r.version,
          configVersion: r.config_version,
          configError: r.config_error,
          uptimeS: r.uptime_s,
          bufferDepth: Number(r.buffer_depth),
          oldestBufferedAt: r.oldest_buffered_at?.toISOString() ?? null,
          devices: r.devices,
          identities: r.identities,
          clockOffsetMs: r.clock_offset_ms,
          lastHeartbeatAt: r.received_at.toISOString(),
          lastError: r.last_error,
          flags,
        };
      })
      .sort((a, b) => rank(b) - rank(a) || a.site.localeCompare(b.site) || a.agentId.localeCompare(b.agentId));
  }

  /** The most recent heartbeat of any agent of the site (what a site-silence alert names). */
  async lastOfSite(site: string): Promise<{ agentId: string; at: Date; version: string } | undefined> {
    const res = await this.db.query<{ agent_id: string; received_at: Date; version: string }>(
      'SELECT agent_id, received_at, version FROM agent_heartbeats WHERE site_id = $1 ORDER BY received_at DESC LIMIT 1',
      [site],
    );
    const r = res.rows[0];
    return r ? { agentId: r.agent_id, at: r.received_at, version: r.version } : undefined;
  }
}
