import { readFile } from 'node:fs/promises';
import { isMap, type Document } from 'yaml';
import { METRIC_NAMES, MPPT_METRIC_PATTERN } from '../contract/metrics.ts';
import { ID_PATTERN } from '../contract/schemas.ts';
import { SiteConfigError } from './errors.ts';
import { FieldReader, type Path, type Problem } from './yaml-fields.ts';

export const SUNSPEC_BASES = [40000, 0, 50000] as const;

interface DeviceCommon {
  id: string;
  pollMs: number;
  timeoutMs: number;
  retries: number;
}

export interface ModbusTcpDevice extends DeviceCommon {
  transport: 'tcp';
  host: string;
  port: number;
  unitId: number;
  /** SunSpec base register, or 'auto' to probe 40000, 0, 50000. */
  base: number | 'auto';
  /** The physical bus this device shares: host:port for TCP. */
  bus: string;
}

export interface ModbusRtuDevice extends DeviceCommon {
  transport: 'rtu';
  serial: string;
  baud: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  unitId: number;
  base: number | 'auto';
  /** The serial path: every device on one RS-485 line shares it. */
  bus: string;
}

export interface MqttDevice extends DeviceCommon {
  transport: 'mqtt';
  broker: string;
  topic: string;
  username: string | undefined;
  password: string | undefined;
  /** Contract metric name → dotted path in the JSON payload. */
  mapping: Record<string, string>;
  /** Dotted path of the device's own timestamp (ISO or epoch ms), if any. */
  tsPath: string | undefined;
}

export type DeviceConfig = ModbusTcpDevice | ModbusRtuDevice | MqttDevice;
export type ModbusDevice = ModbusTcpDevice | ModbusRtuDevice;

export interface GatewayConfig {
  transport: 'http' | 'mqtt';
  /** http(s)://host:port of the gateway (HTTP), or the broker URL (MQTT). */
  url: string;
  token: string;
  batchMaxReadings: number;
  timeoutMs: number;
  gzip: boolean;
  retryMinMs: number;
  retryMaxMs: number;
  /** When caught up, wait this long before sending a partial batch (fewer, larger batches). */
  lingerMs: number;
}

export interface SiteConfig {
  site: string;
  gateway: GatewayConfig;
  buffer: { maxBytes: number; segmentBytes: number };
  polling: { offlineAfter: number; offlineProbeMs: number; maxRegistersPerRead: number };
  /** Requests in flight per bus (TCP host:port); RS-485 buses are always 1. */
  buses: Record<string, { concurrency: number }>;
  devices: DeviceConfig[];
}

const ID = new RegExp(ID_PATTERN);
const MQTT_METRIC = new RegExp(MPPT_METRIC_PATTERN);
const TOP_KEYS = ['site', 'gateway', 'buffer', 'polling', 'buses', 'devices', 'defaults'] as const;

/** Replaces `${NAME}` with the environment value (tokens are kept out of files). */
function expand(text: string, env: NodeJS.ProcessEnv): string | undefined {
  let missing = false;
  const out = text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

function gatewayConfig(r: FieldReader, raw: unknown, env: NodeJS.ProcessEnv): GatewayConfig | undefined {
  const path: Path = ['gateway'];
  const g = r.object(raw, path);
  if (!g) return undefined;
  r.unknownKeys(g, path, [
    'transport',
    'url',
    'token',
    'batchMaxReadings',
    'timeout',
    'gzip',
    'retryMin',
    'retryMax',
    'linger',
  ]);
  const transport = r.oneOf(g, path, 'transport', ['http', 'mqtt'] as const, 'http');
  const url =
    transport === 'mqtt'
      ? r.url(g, path, 'url', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'])
      : r.url(g, path, 'url', ['http:', 'https:']);
  let token = r.string(g, path, 'token', { expects: 'the site token, or $' + '{ENV_VAR} naming it' });
  if (token !== undefined) {
    const expanded = expand(token, env);
    if (expanded === undefined || expanded === '')
      token = r.fail([...path, 'token'], `environment variable in ${token} is not set`);
    else token = expanded;
  }
  const batchMaxReadings = r.int(g, path, 'batchMaxReadings', { default: 2500, min: 1, max: 5000 });
  const timeoutMs = r.duration(g, path, 'timeout', { default: 15_000, minMs: 100, maxMs: 600_000 });
  const gzip = r.bool(g, path, 'gzip', true);
  const retryMinMs = r.duration(g, path, 'retryMin', { default: 500, minMs: 1, maxMs: 600_000 });
  const retryMaxMs = r.duration(g, path, 'retryMax', { default: 60_000, minMs: 1, maxMs: 3_600_000 });
  const lingerMs = r.duration(g, path, 'linger', { default: 200, minMs: 0, maxMs: 60_000 });
  if (!transport || !url || !token || !batchMaxReadings || !timeoutMs || !retryMinMs || !retryMaxMs) return undefined;
  if (lingerMs === undefined) return undefined;
  return { transport, url, token, batchMaxReadings, timeoutMs, gzip, retryMinMs, retryMaxMs, lingerMs };
}

interface Defaults {
  pollMs: number;
  timeoutMs: number;
  retries: number;
}

function defaultsConfig(r: FieldReader, raw: unknown): Defaults {
  const fallback = { pollMs: 5000, timeoutMs: 1000, retries: 1 };
  if (raw === undefined || raw === null) return fallback;
  const d = r.object(raw, ['defaults']);
  if (!d) return fallback;
  r.unknownKeys(d, ['defaults'], ['interval', 'timeout', 'retries']);
  return {
    pollMs: r.duration(d, ['defaults'], 'interval', { default: 5000, minMs: 1, maxMs: 86_400_000 }) ?? 5000,
    timeoutMs: r.duration(d, ['defaults'], 'timeout', { default: 1000, minMs: 1, maxMs: 600_000 }) ?? 1000,
    retries: r.int(d, ['defaults'], 'retries', { default: 1, min: 0, max: 10 }) ?? 1,
  };
}

function baseField(r: FieldReader, d: Record<string, unknown>, path: Path): number | 'auto' | undefined {
  const v = d.base;
  if (v === undefined || v === 'auto') return 'auto';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65_000) return v;
  return r.fail([...path, 'base'], `expected auto or a register address (40000, 0, 50000), got ${JSON.stringify(v)}`);
}

function deviceConfig(r: FieldReader, raw: unknown, i: number, defaults: Defaults): DeviceConfig | undefined {
  const path: Path = ['devices', i];
  const d = r.object(raw, path);
  if (!d) return undefined;
  const id = r.string(d, path, 'id', { pattern: ID, expects: `a device id matching ${ID_PATTERN}` });
  const transport = r.oneOf(d, path, 'transport', ['tcp', 'rtu', 'mqtt'] as const);
  const pollMs = r.duration(d, path, 'interval', { default: defaults.pollMs, minMs: 1, maxMs: 86_400_000 });
  const timeoutMs = r.duration(d, path, 'timeout', { default: defaults.timeoutMs, minMs: 1, maxMs: 600_000 });
  const retries = r.int(d, path, 'retries', { default: defaults.retries, min: 0, max: 10 });
  const common = ['id', 'transport', 'interval', 'timeout', 'retries'];
  if (!transport) return undefined;
  if (transport === 'tcp') {
    r.unknownKeys(d, path, [...common, 'host', 'port', 'unitId', 'base']);
    const host = r.string(d, path, 'host', { expects: 'a host name or IP address' });
    const port = r.int(d, path, 'port', { default: 502, min: 1, max: 65535 });
    const unitId = r.int(d, path, 'unitId', { default: 1, min: 0, max: 255 });
    const base = baseField(r, d, path);
    if (!id || !host || !port || unitId === undefined || base === undefined || !pollMs || !timeoutMs) return undefined;
    if (retries === undefined) return undefined;
    return { id, transport, host, port, unitId, base, pollMs, timeoutMs, retries, bus: `${host}:${port}` };
  }
  if (transport === 'rtu') {
    r.unknownKeys(d, path, [...common, 'serial', 'baud', 'parity', 'dataBits', 'stopBits', 'unitId', 'base']);
    const serial = r.string(d, path, 'serial', { expects: 'a serial device path such as /dev/ttyUSB0' });
    const baud = r.oneOf(d, path, 'baud', [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const, 9600);
    const parity = r.oneOf(d, path, 'parity', ['none', 'even', 'odd'] as const, 'none');
    const dataBits = r.oneOf(d, path, 'dataBits', [7, 8] as const, 8);
    const stopBits = r.oneOf(d, path, 'stopBits', [1, 2] as const, 1);
    const unitId = r.int(d, path, 'unitId', { min: 1, max: 247 });
    const base = baseField(r, d, path);
    if (!id || !serial || !baud || !parity || !dataBits || !stopBits || !unitId || base === undefined) return undefined;
    if (!pollMs || !timeoutMs || retries === undefined) return undefined;
    return {
      id,
      transport,
      serial,
      baud,
      parity,
      dataBits,
      stopBits,
      unitId,
      base,
      pollMs,
      timeoutMs,
      retries,
      bus: serial,
    };
  }
  r.unknownKeys(d, path, [...common, 'broker', 'topic', 'username', 'password', 'mapping', 'tsPath']);
  const broker = r.url(d, path, 'broker', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']);
  const topic = r.string(d, path, 'topic', { expects: 'an MQTT topic without wildcards', pattern: /^[^#+]+$/ });
  const username = d.username === undefined ? undefined : r.string(d, path, 'username');
  const password = d.password === undefined ? undefined : r.string(d, path, 'password');
  const tsPath = d.tsPath === undefined ? undefined : r.string(d, path, 'tsPath');
  const mapping: Record<string, string> = {};
  const m = r.object(d.mapping, [...path, 'mapping']);
  if (m) {
    for (const [metric, source] of Object.entries(m)) {
      const known = (METRIC_NAMES as string[]).includes(metric) || MQTT_METRIC.test(metric);
      if (!known) r.fail([...path, 'mapping', metric], 'is not a metric name of the telemetry contract v1');
      else if (typeof source !== 'string' || source === '')
        r.fail([...path, 'mapping', metric], `expected a dotted path into the payload, got ${JSON.stringify(source)}`);
      else mapping[metric] = source;
    }
    if (Object.keys(m).length === 0) r.fail([...path, 'mapping'], 'maps no metric');
  }
  if (!id || !broker || !topic || !m || !pollMs || !timeoutMs || retries === undefined) return undefined;
  return { id, transport, broker, topic, username, password, mapping, tsPath, pollMs, timeoutMs, retries };
}

/** Validates a parsed site config; every mistake is reported with its field and line. */
export function parseSiteConfig(text: string, file = 'site config', env: NodeJS.ProcessEnv = {}): SiteConfig {
  return parseDocument(text, file, env);
}

/** What an enrolled agent knows itself: its site, its gateway and its token (never in the platform's copy). */
export interface EnrolledUplink {
  site: string;
  url: string;
  token: string;
}

/** Fields a remote configuration may set under `gateway:` (uplink tuning; the address and token are the agent's). */
export const REMOTE_GATEWAY_KEYS = ['batchMaxReadings', 'timeout', 'gzip', 'retryMin', 'retryMax', 'linger'] as const;

/**
 * A site configuration kept in the platform (devices, defaults, intervals, buses, buffer, polling,
 * uplink tuning), completed with the enrolled agent's site, gateway URL and token. `site:` may be
 * given and must then name the agent's site; `gateway.url`, `gateway.token` and `gateway.transport`
 * are refused: they come from the enrollment, so the platform never holds a token in a document.
 */
export function parseRemoteSiteConfig(text: string, uplink: EnrolledUplink, file = 'remote site config'): SiteConfig {
  return parseDocument(text, file, {}, (doc, lineAt) => {
    const problems: Problem[] = [];
    const top = doc.contents;
    if (!isMap(top)) return problems;
    const lineOf = (path: (string | number)[]): number | undefined => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineAt(node.range[0]) : undefined;
    };
    const site = doc.get('site');
    if (site !== undefined && site !== uplink.site)
      problems.push({
        field: 'site',
        line: lineOf(['site']),
        message: `names ${JSON.stringify(site)}, but this configuration belongs to site ${JSON.stringify(uplink.site)}`,
      });
    const gateway = doc.get('gateway', true);
    if (gateway !== undefined && !isMap(gateway))
      problems.push({ field: 'gateway', line: lineOf(['gateway']), message: 'expected a mapping of uplink settings' });
    if (isMap(gateway)) {
      for (const item of gateway.items) {
        const key = String((item.key as { value?: unknown } | null)?.value ?? item.key);
        if (!(REMOTE_GATEWAY_KEYS as readonly string[]).includes(key))
          problems.push({
            field: `gateway.${key}`,
            line: lineOf(['gateway', key]),
            message: ['url', 'token', 'transport'].includes(key)
              ? 'is set on the box by its enrollment, not in the platform configuration'
              : `is not a known field (expected one of ${REMOTE_GATEWAY_KEYS.join(', ')})`,
          });
      }
    }
    doc.set('site', uplink.site);
    if (isMap(gateway)) {
      for (const key of ['url', 'token', 'transport']) gateway.delete(key);
      doc.setIn(['gateway', 'url'], uplink.url);
      doc.setIn(['gateway', 'token'], uplink.token);
    } else doc.set('gateway', { url: uplink.url, token: uplink.token });
    return problems;
  });
}

/** Checks a configuration document before the platform stores it for a site (the agent parses it the same way). */
export function validateRemoteSiteConfig(text: string, site: string): SiteConfig {
  return parseRemoteSiteConfig(text, { site, url: 'http://gateway.invalid', token: 'validation-only' }, 'config');
}

function parseDocument(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  edit?: (doc: Document, lineAt: (offset: number) => number) => Problem[],
): SiteConfig {
  const { reader: r, value } = FieldReader.parse(text, file, edit);
  const top = r.object(value, []);
  if (!top) throw new SiteConfigError(r.problems, file);
  r.unknownKeys(top, [], TOP_KEYS);
  const site = r.string(top, [], 'site', { pattern: ID, expects: `a site id matching ${ID_PATTERN}` });
  const gateway = top.gateway === undefined ? r.fail(['gateway'], 'is required') : gatewayConfig(r, top.gateway, env);
  const defaults = defaultsConfig(r, top.defaults);

  const bufferRaw = top.buffer === undefined ? {} : r.object(top.buffer, ['buffer']);
  let buffer = { maxBytes: 256 * 1024 ** 2, segmentBytes: 8 * 1024 ** 2 };
  if (bufferRaw) {
    r.unknownKeys(bufferRaw, ['buffer'], ['maxBytes', 'segmentBytes']);
    const maxBytes = r.size(bufferRaw, ['buffer'], 'maxBytes', {
      default: buffer.maxBytes,
      min: 16 * 1024,
      max: 2 ** 50,
    });
    const segDefault = Math.max(4096, Math.min(8 * 1024 ** 2, Math.floor(maxBytes / 8)));
    const segmentBytes = r.size(bufferRaw, ['buffer'], 'segmentBytes', {
      default: segDefault,
      min: 4096,
      max: 1024 ** 3,
    });
    if (segmentBytes * 2 > maxBytes) r.fail(['buffer', 'segmentBytes'], 'must be at most half of buffer.maxBytes');
    buffer = { maxBytes, segmentBytes };
  }

  const pollingRaw = top.polling === undefined ? {} : r.object(top.polling, ['polling']);
  let polling = { offlineAfter: 3, offlineProbeMs: 30_000, maxRegistersPerRead: 125 };
  if (pollingRaw) {
    r.unknownKeys(pollingRaw, ['polling'], ['offlineAfter', 'offlineProbe', 'maxRegistersPerRead']);
    polling = {
      offlineAfter: r.int(pollingRaw, ['polling'], 'offlineAfter', { default: 3, min: 1, max: 1000 }) ?? 3,
      offlineProbeMs:
        r.duration(pollingRaw, ['polling'], 'offlineProbe', { default: 30_000, minMs: 1, maxMs: 86_400_000 }) ?? 30_000,
      maxRegistersPerRead:
        r.int(pollingRaw, ['polling'], 'maxRegistersPerRead', { default: 125, min: 8, max: 125 }) ?? 125,
    };
  }

  const buses: SiteConfig['buses'] = {};
  if (top.buses !== undefined) {
    const b = r.object(top.buses, ['buses']);
    for (const [key, raw] of Object.entries(b ?? {})) {
      const o = r.object(raw, ['buses', key]);
      if (!o) continue;
      r.unknownKeys(o, ['buses', key], ['concurrency']);
      const concurrency = r.int(o, ['buses', key], 'concurrency', { min: 1, max: 64 });
      if (concurrency !== undefined) buses[key] = { concurrency };
    }
  }

  const devices: DeviceConfig[] = [];
  if (top.devices === undefined) r.fail(['devices'], 'is required (a list of devices)');
  else if (!Array.isArray(top.devices)) r.fail(['devices'], 'expected a list of devices');
  else {
    const seen = new Map<string, number>();
    const addresses = new Map<string, number>();
    top.devices.forEach((raw: unknown, i: number) => {
      const dev = deviceConfig(r, raw, i, defaults);
      if (!dev) return;
      const prev = seen.get(dev.id);
      if (prev !== undefined) r.fail(['devices', i, 'id'], `duplicates devices[${prev}].id ${JSON.stringify(dev.id)}`);
      seen.set(dev.id, i);
      if ('unitId' in dev) {
        // Devices addressed by a unit id on a shared bus: one address, one device.
        const addr = `${dev.bus}#${dev.unitId}`;
        const other = addresses.get(addr);
        if (other !== undefined)
          r.fail(['devices', i, 'unitId'], `unit ${dev.unitId} on ${dev.bus} is already used by devices[${other}]`);
        addresses.set(addr, i);
      }
      devices.push(dev);
    });
  }
  for (const key of Object.keys(buses)) {
    const rtu = devices.find((d) => d.transport === 'rtu' && d.bus === key);
    if (rtu && (buses[key]?.concurrency ?? 1) > 1)
      r.fail(['buses', key, 'concurrency'], 'an RS-485 bus carries one request at a time (must be 1)');
  }
  if (r.problems.length > 0 || !site || !gateway) throw new SiteConfigError(r.problems, file);
  return { site, gateway, buffer, polling, buses, devices };
}

export async function loadSiteConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<SiteConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SiteConfigError(
      [{ field: '(file)', line: undefined, message: `cannot read: ${(err as Error).message}` }],
      path,
    );
  }
  return parseSiteConfig(text, path, env);
}
