import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool, startVictoriaMetrics, type VictoriaMetrics } from '@ysh/test-helpers';
import type { Metrics } from '@ysh/common';
import { addReading, emptyWindow, windowResult } from '../aggregates/window-aggregate.ts';
import { reading, T0 } from '../testing/readings.ts';
import { alertPoint, INFLUX_SCHEMA, InfluxSink, rawPoint, windowLine, type MeasurementSchema } from './influx.ts';

describe.skipIf(!hasTool('victoria-metrics'))('InfluxDB sink against VictoriaMetrics (/api/v2/write)', () => {
  let vm: VictoriaMetrics;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(async () => {
    await vm?.stop();
  });

  it('writes inverter_5m with site/device tags at the window start, and the raw readings', async () => {
    const sink = new InfluxSink({ url: vm.url, token: 't', org: 'ysh', bucket: 'telemetry', writeRaw: true });
    const acc = emptyWindow(T0);
    const rs = [0, 1, 2].map((i) =>
      reading('inv-7', i + 1, T0 + i * 10_000, { ac_power_w: 1000 + 100 * i }, 'site-sp-001'),
    );
    for (const r of rs) addReading(acc, r, Date.parse(r.ts));
    acc.revision = 0;
    const result = windowResult('site-sp-001', 'inv-7', acc, 300_000, 10_000);
    await sink.write([result], rs);
    await vm.flush();
    const series = await vm.exportSeries('inverter_5m_.*');
    const byName = new Map(series.map((s) => [s.metric.__name__, s]));
    expect(byName.get('inverter_5m_ac_power_w_mean')).toMatchObject({
      metric: { site: 'site-sp-001', device: 'inv-7' },
      values: [1100],
      timestamps: [T0],
    });
    expect(byName.get('inverter_5m_samples')?.values).toEqual([3]);
    expect(byName.get('inverter_5m_energy_wh')?.values).toEqual([2]);
    expect(byName.get('inverter_5m_availability')?.values[0]).toBeCloseTo(0.1, 9);
    const raw = await vm.exportSeries('inverter_raw_ac_power_w');
    expect(raw[0]?.timestamps).toEqual([T0, T0 + 10_000, T0 + 20_000]);
    expect(raw[0]?.values).toEqual([1000, 1100, 1200]);

    // A correction goes to the same series and timestamp (InfluxDB replaces the point).
    const late = reading('inv-7', 10, T0 + 40_000, { ac_power_w: 1500 }, 'site-sp-001');
    addReading(acc, late, Date.parse(late.ts));
    acc.revision = 1;
    await sink.write([windowResult('site-sp-001', 'inv-7', acc, 300_000, 10_000)]);
    await vm.flush();
    const rev = (await vm.exportSeries('inverter_5m_revision'))[0];
    expect(rev?.metric).toEqual({ __name__: 'inverter_5m_revision', site: 'site-sp-001', device: 'inv-7' });
    expect(rev?.timestamps.every((t) => t === T0)).toBe(true);
    expect(rev?.values).toContain(1);
    await sink.close();
  });

  it('gzips write bodies only when told to (InfluxDB across a WAN), and the server reads both', async () => {
    // A relay in front of VictoriaMetrics that notes what each write request carried on the wire.
    const seen: { encoding: IncomingHttpHeaders['content-encoding']; bytes: number }[] = [];
    const target = new URL(vm.url);
    const relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url?.startsWith('/api/v2/write'))
          seen.push({ encoding: req.headers['content-encoding'], bytes: body.length });
        const up = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => res.writeHead(502).end());
        up.end(body);
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    try {
      // Twenty devices' windows: one body of several kB, over the client's 1 kB threshold.
      const results = (start: number) =>
        Array.from({ length: 20 }, (_, d) => {
          const acc = emptyWindow(start);
          for (let i = 0; i < 3; i++) {
            const r = reading(`inv-${d}`, i + 1, start + i * 10_000, { ac_power_w: 1000 + d + i / 3 }, 'site-gz');
            addReading(acc, r, Date.parse(r.ts));
          }
          return windowResult('site-gz', `inv-${d}`, acc, 300_000, 10_000);
        });
      const plain = new InfluxSink({ url, token: 't', org: 'ysh', bucket: 'telemetry' });
      await plain.write(results(T0 + 3_600_000));
      await plain.close();
      const gzip = new InfluxSink({ url, token: 't', org: 'ysh', bucket: 'telemetry', gzip: true });
      await gzip.write(results(T0 + 3_900_000));
      await gzip.close();

      expect(seen.map((s) => s.encoding)).toEqual([undefined, 'gzip']);
      expect(seen[0]?.bytes).toBeGreaterThan(1000);
      expect(seen[1]?.bytes).toBeLessThan((seen[0]?.bytes as number) / 2);
      await vm.flush();
      const series = await vm.exportSeries('inverter_5m_samples');
      const gz = series.filter((s) => s.metric.site === 'site-gz');
      expect(gz).toHaveLength(20);
      for (const s of gz) expect(s.timestamps).toEqual([T0 + 3_600_000, T0 + 3_900_000]);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it('writes alert events to inverter_alerts with rule and severity tags', async () => {
    const sink = new InfluxSink({ url: vm.url, token: 't', org: 'ysh', bucket: 'telemetry' });
    const at = T0 + 900_000;
    await sink.alertChannel().deliver({
      v: 1,
      id: 'al_1',
      event: 'opened',
      site: 'site-sp-001',
      device: 'inv-7',
      rule: 'fault_state',
      severity: 'critical',
      since: new Date(T0).toISOString(),
      at: new Date(at).toISOString(),
      value: 3,
      message: 'operating state FAULT',
    });
    await vm.flush();
    const open = (await vm.exportSeries('inverter_alerts_open'))[0];
    expect(open?.metric).toMatchObject({
      site: 'site-sp-001',
      device: 'inv-7',
      rule: 'fault_state',
      severity: 'critical',
    });
    expect(open?.timestamps).toEqual([at]);
    expect((await vm.exportSeries('inverter_alerts_value'))[0]?.values).toEqual([3]);
    await sink.close();
  });

  it('fails the write (so offsets are not committed) when the server is unreachable', async () => {
    const sink = new InfluxSink({ url: 'http://127.0.0.1:9', token: 't', org: 'o', bucket: 'b', timeoutMs: 2000 });
    const acc = emptyWindow(T0);
    addReading(acc, reading('inv-7', 1, T0), T0);
    await expect(sink.write([windowResult('s', 'inv-7', acc, 300_000, 10_000)])).rejects.toThrow();
    await sink.close();
  });
});

describe('inverter_5m line protocol', () => {
  it('the hand-built line equals the client library serialization of the same point', async () => {
    const { windowLine, windowPoint } = await import('./influx.ts');
    const acc = emptyWindow(T0);
    for (let i = 0; i < 7; i++) {
      const r = reading('inv-7', i + 1, T0 + i * 10_000, {
        ac_power_w: 1000.25 * i,
        mppt1_dc_power_w: 3.5 * i,
        mppt2_dc_power_w: 2,
        // Sorted as text, mppt10 comes between mppt1 and mppt2.
        mppt10_dc_power_w: 7.25,
      } as Partial<Metrics>);
      addReading(acc, r, Date.parse(r.ts));
    }
    addReading(acc, reading('inv-7', 9, T0 + 90_000, { ac_energy_wh: 3, temperature_c: undefined }), T0 + 90_000);
    const result = windowResult('site-sp-001', 'inv-7', acc, 300_000, 10_000);
    expect(result.counterResets).toBe(1);
    expect(windowLine(result)).toBe(
      windowPoint(result).toLineProtocol({
        convertTime: (d: unknown) => String(new Date(d as Date).getTime()),
      } as never),
    );
  });
});

describe('INFLUX_SCHEMA (what dashboards query) is what the writer writes', () => {
  /** Field keys of one line of line protocol (no spaces or commas in our field keys or tag values here). */
  const fieldsOf = (line: string) =>
    (line.split(' ')[1] as string).split(',').map((kv) => kv.slice(0, kv.indexOf('=')));
  const tagsOf = (line: string) =>
    (line.split(' ')[0] as string)
      .split(',')
      .slice(1)
      .map((kv) => kv.slice(0, kv.indexOf('=')));
  const inSchema = (m: string, f: string) => {
    const s = INFLUX_SCHEMA[m] as MeasurementSchema;
    return s.fields.includes(f) || s.fieldPatterns.some((p) => p.test(f));
  };

  it('inverter_5m: every field of a full window result is declared, and every declared field is written', () => {
    const acc = emptyWindow(T0);
    for (let i = 0; i < 4; i++) {
      const r = reading('inv-7', i + 1, T0 + i * 10_000, { mppt1_dc_power_w: 10 * i, mppt2_dc_power_w: 5 }, 's');
      addReading(acc, r, Date.parse(r.ts));
    }
    addReading(acc, reading('inv-7', 9, T0 + 90_000, { ac_energy_wh: 3, operating_state: 7 }, 's'), T0 + 90_000);
    const result = windowResult('s', 'inv-7', acc, 300_000, 10_000);
    const line = windowLine(result);
    const fields = fieldsOf(line);
    expect(tagsOf(line).sort()).toEqual([...(INFLUX_SCHEMA.inverter_5m as MeasurementSchema).tags].sort());
    expect(fields.filter((f) => !inSchema('inverter_5m', f))).toEqual([]);
    expect((INFLUX_SCHEMA.inverter_5m as MeasurementSchema).fields.filter((f) => !fields.includes(f))).toEqual([]);
    expect(fields).toContain('mppt2_dc_power_w_mean');
  });

  it('inverter_raw: every metric of the contract and the per-MPPT inputs are declared', () => {
    const r = reading('inv-7', 1, T0, {
      ac_current_a: 7,
      ac_frequency_hz: 60,
      dc_current_a: 8,
      heatsink_temperature_c: 50,
      mppt3_dc_voltage_v: 400,
    });
    const line = rawPoint(r).toLineProtocol() as string;
    const fields = fieldsOf(line);
    expect(tagsOf(line).sort()).toEqual([...(INFLUX_SCHEMA.inverter_raw as MeasurementSchema).tags].sort());
    expect(fields.filter((f) => !inSchema('inverter_raw', f))).toEqual([]);
    expect((INFLUX_SCHEMA.inverter_raw as MeasurementSchema).fields.filter((f) => !fields.includes(f))).toEqual([]);
  });

  it('inverter_alerts: tags and fields of an alert event', () => {
    const line = alertPoint({
      v: 1,
      id: 'al_1',
      event: 'opened',
      site: 's',
      device: 'inv-7',
      rule: 'fault_state',
      severity: 'critical',
      since: new Date(T0).toISOString(),
      at: new Date(T0).toISOString(),
      value: 3,
      message: 'fault',
    }).toLineProtocol() as string;
    const schema = INFLUX_SCHEMA.inverter_alerts as MeasurementSchema;
    expect(tagsOf(line).sort()).toEqual([...schema.tags].sort());
    expect(fieldsOf(line).sort()).toEqual([...schema.fields].sort());
  });
});
