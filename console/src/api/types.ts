/** Shapes of the admin API's JSON answers (the route contract shared with `ysh api`). */

export type Role = 'admin' | 'operator' | 'viewer';

export interface Me {
  id: string;
  email: string;
  role: Role;
  /** null = every site */
  sites: string[] | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Site {
  id: string;
  name: string;
  latitude: number;
  longitude: number;
  timezone: string;
  createdAt: string;
}

/** SunSpec model 1 as the site's agent reported it (null where the device left a string empty). */
export interface SunSpecIdentity {
  manufacturer: string | null;
  model: string | null;
  serial: string | null;
  version: string | null;
  options: string | null;
}

export type DeviceStatus = 'online' | 'offline' | 'unknown';

export interface Device {
  id: string;
  site: string;
  model: string;
  serial: string;
  nameplateW: number | null;
  status: DeviceStatus;
  lastSeen: string | null;
  sunspec: SunSpecIdentity | null;
}

export interface AlertCounts {
  critical: number;
  warning: number;
  info: number;
}

export interface FleetRow {
  site: string;
  name: string;
  powerW: number | null;
  energyTodayKwh: number | null;
  availability: number | null;
  openAlerts: AlertCounts;
  lastData: string | null;
}

export interface SeriesPoint {
  t: string;
  values: Record<string, number | null>;
}

export interface Series {
  step: number;
  points: SeriesPoint[];
}

export type Severity = 'critical' | 'warning' | 'info';
export type AlertState = 'open' | 'acknowledged' | 'resolved';

export interface AlertComment {
  by: string;
  at: string;
  text: string;
}

export interface Alert {
  id: string;
  site: string;
  device: string | null;
  rule: string;
  severity: Severity;
  state: AlertState;
  since: string;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  value: number | null;
  threshold: number | null;
  message: string;
  comments: AlertComment[];
}

export interface Silence {
  id: string;
  site: string;
  device: string | null;
  rule: string | null;
  until: string;
  reason: string;
  createdBy?: string;
}

export type AssetStatus = 'fresh' | 'stale' | 'failing' | 'missing';

export interface Asset {
  key: string;
  layer: string;
  status: AssetStatus;
  reason: string | null;
  lastMaterializedAt: string | null;
  deps: string[];
}

export interface LineageNode {
  key: string;
  layer: string;
  status: AssetStatus;
  reason: string | null;
}

export interface Lineage {
  nodes: LineageNode[];
  edges: Array<{ from: string; to: string }>;
}

export interface Run {
  id: string;
  status: string;
  trigger: string;
  assets: string[];
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunStep {
  asset: string;
  status: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  rows?: number | null;
  error?: string | null;
}

export interface RunCheck {
  asset?: string;
  name: string;
  passed: boolean;
  severity?: string;
  detail?: string | null;
}

export interface RunLog {
  at: string;
  level: string;
  message: string;
  asset?: string | null;
}

export interface RunDetail extends Run {
  steps: RunStep[];
  checks: RunCheck[];
  logs: RunLog[];
}

/** One side of an asset in a run comparison: what that run did with it and the version it left. */
export interface CompareSide {
  status: string;
  dataVersion: string | null;
  rowCount: number | null;
  /** false: the run found it up to date and kept the version shown */
  materializedHere: boolean;
}

export interface CompareAsset {
  asset: string;
  partition: string;
  a: CompareSide | null;
  b: CompareSide | null;
  /** status, dataVersion, rowCount, metadata.<key> */
  changed: string[];
  rowCountDelta: number | null;
}

export interface CompareCheck {
  asset: string;
  partition: string;
  check: string;
  a: { passed: boolean } | null;
  b: { passed: boolean } | null;
}

/** `GET /v1/jobs/compare?a=&b=` */
export interface RunComparison {
  config: Array<{ key: string; before: unknown; after: unknown }>;
  onlyIn: { a: string[]; b: string[] };
  assets: CompareAsset[];
  /** only the checks whose outcome changed */
  checks: CompareCheck[];
}

export interface SearchHit {
  source: string;
  title: string;
  section: string | null;
  score: number;
  text: string;
}

export type AgentFlag = 'not_reporting' | 'behind' | 'old_version';

export interface Agent {
  site: string;
  agentId: string;
  version: string;
  configVersion: number | string | null;
  uptimeS: number | null;
  bufferDepth: number | null;
  oldestBufferedAt: string | null;
  lastHeartbeatAt: string | null;
  flags: AgentFlag[];
  lastError: string | null;
}

/** A proposal as the API returns it; the figures the console shows are read defensively. */
export interface Proposal {
  id: string;
  createdAt?: string;
  customer?: string | { name: string; class?: string };
  /** the site the proposal was accepted for (null until then) */
  siteId?: string | null;
  site?: string | null;
  [field: string]: unknown;
}

export interface LiveEvent {
  type: string;
  id: string;
  site?: string;
  [field: string]: unknown;
}
