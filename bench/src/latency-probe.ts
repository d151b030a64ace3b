import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One window result as it reached the sink: when, and how long after its earliest reading's time. */
export interface WindowArrival {
  device: string;
  windowStart: number;
  arrived: number;
  /** arrived − the earliest reading time of that window seen as a raw point (NaN when none was seen). */
  latencyMs: number;
}

export interface LatencyProbe {
  url: string;
  /** Reading time → raw point arrival, per point, while `recording`. */
  raw: number[];
  /** First arrival of each (device, window) result, while `recording`. */
  windows: WindowArrival[];
  recording: boolean;
  close(): Promise<void>;
}

function tag(line: string, name: string): string | undefined {
  const head = line.slice(0, line.indexOf(' '));
  const m = new RegExp(`,${name}=([^,]+)`).exec(head);
  return m?.[1];
}

/**
 * The sink end of the path for the e2e benchmark: an InfluxDB `/api/v2/write` endpoint that notes for every
 * `inverter_raw` point how long after its reading time it arrived, and for every `inverter_5m` result how long
 * after the earliest reading of its window (the reading that waited longest for the window to close).
 */
export async function startLatencyProbe(windowMs: number): Promise<LatencyProbe> {
  const emitted = new Set<string>();
  const probe: LatencyProbe = {
    url: '',
    raw: [],
    windows: [],
    recording: false,
    close: async () => {},
  };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrived = Date.now();
      const precision = new URL(req.url ?? '/', 'http://x').searchParams.get('precision') ?? 'ns';
      const toMs = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[precision] ?? 1e-6;
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      for (const line of body.toString().split('\n')) {
        const raw = line.startsWith('inverter_raw,');
        const win = !raw && line.startsWith('inverter_5m,');
        if (!raw && !win) continue;
        const ts = Number(line.slice(line.lastIndexOf(' ') + 1)) * toMs;
        const device = tag(line, 'device');
        if (!Number.isFinite(ts) || device === undefined) continue;
        if (raw) {
          if (probe.recording) probe.raw.push(arrived - ts);
          const times = rawTimes.get(device);
          if (times) times.push(ts);
          else rawTimes.set(device, [ts]);
        } else {
          const key = `${device}@${ts}`;
          if (emitted.has(key)) continue; // a correction: the first result is the one that counts
          emitted.add(key);
          if (!probe.recording) continue;
          const times = rawTimes.get(device) ?? [];
          let first: number | undefined;
          for (const t of times) if (t >= ts && t < ts + windowMs && (first === undefined || t < first)) first = t;
          probe.windows.push({
            device,
            windowStart: ts,
            arrived,
            latencyMs: first === undefined ? Number.NaN : arrived - first,
          });
          // Readings before the next window are no longer needed.
          rawTimes.set(
            device,
            times.filter((t) => t >= ts + windowMs),
          );
        }
      }
      res.writeHead(204).end();
    });
  });
  const rawTimes = new Map<string, number[]>();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  probe.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  probe.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return probe;
}
