import { Counter, createMetricsRegistry, Gauge, isYshError } from '@ysh/common';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ClockState } from '../clock.ts';
import type { DeviceTruth } from '../device/simulated-device.ts';
import { FAULT_TYPES, type Fault, type FaultType } from '../faults.ts';

/** What the control API needs of a running simulator (`Simulator` has it all). */
export interface SimulatorControl {
  readonly ports: number[];
  readonly base: number;
  readonly seed: number;
  readonly devices: ReadonlyArray<{ id: string }>;
  groundTruth(id: string): DeviceTruth;
  injectFault(id: string, fault: unknown): Fault;
  clearFault(id: string, type: FaultType | 'all', mppt?: number): boolean;
  clockState(): ClockState;
  setSpeed(speed: number): void;
  advance(ms: number): void;
  stats(): { requests: number; responses: number; exceptions: number; dropped: number; mqttPublished: number };
}

/**
 * HTTP control API of a running simulator: device list, ground truth in
 * contract metric units, fault injection, the simulated clock, /health and
 * /metrics.
 */
export async function buildControlServer(sim: SimulatorControl): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const registry = createMetricsRegistry('firmware-sim');
  const stat = (name: string, help: string, pick: (s: ReturnType<SimulatorControl['stats']>) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // The servers keep the counts; mirror them at scrape time.
        this.reset();
        this.inc(pick(sim.stats()));
      },
    });
  stat('ysh_sim_modbus_requests_total', 'Modbus requests received', (s) => s.requests);
  stat('ysh_sim_modbus_exceptions_total', 'Modbus exception responses sent', (s) => s.exceptions);
  stat('ysh_sim_modbus_dropped_total', 'Modbus requests left unanswered (communication loss)', (s) => s.dropped);
  stat('ysh_sim_mqtt_published_total', 'MQTT readings published', (s) => s.mqttPublished);
  new Gauge({ name: 'ysh_sim_devices', help: 'simulated devices', registers: [registry] }).set(sim.devices.length);

  app.setErrorHandler((err, _req, reply) => {
    if (isYshError(err)) {
      return reply.status(err.httpStatus ?? 400).send({ error: err.code, message: err.message });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply
      .status(status)
      .send({ error: status === 500 ? 'SIM_INTERNAL' : 'SIM_BAD_REQUEST', message: (err as Error).message });
  });

  app.get('/health', async () => ({ ok: true, checks: { modbus: { ok: true, detail: `${sim.ports.length} ports` } } }));
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/devices', async () => ({ base: sim.base, seed: sim.seed, devices: sim.devices }));
  app.get('/truth', async () => ({ devices: sim.devices.map((d) => sim.groundTruth(d.id)) }));
  app.get<{ Params: { id: string } }>('/devices/:id/truth', async (req) => sim.groundTruth(req.params.id));
  app.get<{ Params: { id: string } }>('/devices/:id/faults', async (req) => ({
    faults: sim.groundTruth(req.params.id).faults,
  }));
  app.post<{ Params: { id: string }; Body: unknown }>('/devices/:id/faults', async (req, reply) => {
    const fault = sim.injectFault(req.params.id, req.body);
    return reply.status(201).send({ device: req.params.id, fault });
  });
  app.delete<{ Params: { id: string; type: string }; Querystring: { mppt?: string } }>(
    '/devices/:id/faults/:type',
    async (req, reply) => {
      const type = req.params.type;
      if (type !== 'all' && !FAULT_TYPES.includes(type as FaultType)) {
        return reply
          .status(400)
          .send({ error: 'SIM_BAD_FAULT', message: `type: expected "all" or one of ${FAULT_TYPES.join(', ')}` });
      }
      const mppt = req.query.mppt === undefined ? undefined : Number(req.query.mppt);
      if (mppt !== undefined && !Number.isInteger(mppt)) {
        return reply.status(400).send({ error: 'SIM_BAD_FAULT', message: 'mppt: expected an integer' });
      }
      return { device: req.params.id, cleared: sim.clearFault(req.params.id, type as FaultType | 'all', mppt) };
    },
  );
  app.get('/clock', async () => clockBody(sim));
  app.post<{ Body: { speed?: unknown; advanceMs?: unknown } | null }>('/clock', async (req, reply) => {
    const body = req.body ?? {};
    if (body.speed !== undefined) {
      if (typeof body.speed !== 'number' || !(body.speed >= 0) || body.speed > 100_000) {
        return reply
          .status(400)
          .send({ error: 'SIM_BAD_REQUEST', message: 'speed: expected a number between 0 and 100000' });
      }
      sim.setSpeed(body.speed);
    }
    if (body.advanceMs !== undefined) {
      if (typeof body.advanceMs !== 'number' || !(body.advanceMs >= 0)) {
        return reply
          .status(400)
          .send({ error: 'SIM_BAD_REQUEST', message: 'advanceMs: expected a non-negative number' });
      }
      sim.advance(body.advanceMs);
    }
    return clockBody(sim);
  });
  return app;
}

function clockBody(sim: SimulatorControl) {
  const c = sim.clockState();
  return { now: new Date(c.now).toISOString(), speed: c.speed, startedAt: new Date(c.startedAt).toISOString() };
}
