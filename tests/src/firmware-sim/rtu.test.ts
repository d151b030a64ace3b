import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeModel, toContractMetrics } from '@ysh/common/sunspec';
import { startSimulator, type Simulator } from '@ysh/firmware-sim';
import ModbusSerial from 'modbus-serial';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool, inverterMetricsByHand, sleep } from '@ysh/test-helpers';

const run = promisify(execFile);
type Client = InstanceType<typeof import('modbus-serial')['default']>;
const ModbusClient = ModbusSerial as unknown as new () => Client;
/** A read of model 103 takes ~120 ms at 9600 baud; a loaded machine can add seconds (pty, socat, event loop). */
const ANSWER_TIMEOUT_MS = 5000;
/** Where silence is the expected answer, waiting this long proves it. */
const SILENCE_MS = 1000;

describe.skipIf(!hasTool('socat'))('Modbus RTU over a socat pty pair', () => {
  let dir: string;
  let socat: ChildProcess;
  let sim: Simulator;
  let client: Client;

  async function openClient(): Promise<void> {
    client = new ModbusClient();
    await client.connectRTUBuffered(`${dir}/client`, { baudRate: 9600 });
    client.setTimeout(ANSWER_TIMEOUT_MS);
  }
  function closeClient(): Promise<void> {
    return new Promise<void>((resolve) => (client?.isOpen ? client.close(() => resolve()) : resolve()));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ysh-rtu-'));
    socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/sim`, `pty,raw,echo=0,link=${dir}/client`], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 5000;
    while (!(existsSync(`${dir}/sim`) && existsSync(`${dir}/client`))) {
      if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
      await new Promise((r) => setTimeout(r, 20));
    }
    sim = await startSimulator({ devices: 4, port: 0, seed: 2, speed: 0, start: Date.parse('2026-11-21T15:00:00Z') });
    await sim.serveRtu(`${dir}/sim`);
    await openClient();
  });
  afterAll(async () => {
    await closeClient();
    await sim?.close();
    socat?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasTool('mbpoll'))('mbpoll (RTU mode) reads the SunS marker of unit 2', async () => {
    // One reader per pty end: while the modbus-serial client holds the client end open, it can take the
    // bytes of mbpoll's answer (it did, on a loaded machine). It is closed for mbpoll and opened again after.
    await closeClient();
    const { stdout } = await run('mbpoll', [
      '-m',
      'rtu',
      '-b',
      '9600',
      '-P',
      'none',
      '-a',
      '2',
      '-r',
      '40001',
      '-c',
      '2',
      '-t',
      '4:hex',
      '-1',
      '-o',
      // Seconds: a loaded CI machine can take longer than mbpoll's 1 s default over a pty pair.
      '5',
      `${dir}/client`,
    ]).finally(openClient);
    expect(stdout).toMatch(/\[40001\]:\s+0x5375/);
    expect(stdout).toMatch(/\[40002\]:\s+0x6E53/);
  });

  it('modbus-serial (RTU) reads model 103 equal to the ground truth', async () => {
    client.setID(3);
    const r = await client.readHoldingRegisters(40070, 52);
    const decoded = decodeModel(r.data);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const truth = sim.groundTruth('inv-0003').metrics;
    const metrics = toContractMetrics([decoded.model]);
    for (const [k, v] of Object.entries(metrics)) expect(v, k).toBe(truth[k]);
    expect(metrics.ac_power_w).toBeGreaterThan(1000);
    // The simulator and the decoder share one codec: read the same registers at offsets written by hand.
    expect(r.data.slice(0, 2)).toEqual([103, 50]);
    const byHand = inverterMetricsByHand(r.data);
    expect(byHand).toEqual(metrics);
    expect(Object.keys(byHand)).toHaveLength(12);
  });

  it('keeps answering after line noise and corrupted frames on the bus', async () => {
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(`${dir}/client`, 'w');
    try {
      for (let i = 0; i < 50; i++) writeSync(fd, randomBytes(1 + (i % 40)));
      writeSync(fd, Buffer.from([0x02, 0x03, 0x9c, 0x40, 0x00, 0x02, 0x00, 0x00])); // bad CRC
    } finally {
      closeSync(fd);
    }
    await sleep(700); // the server drops a partial frame after 500 ms of silence
    client.setID(2);
    expect((await client.readHoldingRegisters(40000, 2)).data).toEqual([0x5375, 0x6e53]);
  });

  it('answers exceptions in RTU framing and stays silent for unknown units and communication loss', async () => {
    client.setID(1);
    await expect(client.readHoldingRegisters(41000, 2)).rejects.toMatchObject({ modbusCode: 2 });
    client.setTimeout(SILENCE_MS);
    client.setID(9);
    await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({
      message: expect.stringMatching(/Timed out/i),
    });
    sim.injectFault('inv-0004', { type: 'comm-loss' });
    client.setID(4);
    await expect(client.readHoldingRegisters(40000, 2)).rejects.toMatchObject({
      message: expect.stringMatching(/Timed out/i),
    });
    client.setTimeout(ANSWER_TIMEOUT_MS);
    sim.clearFault('inv-0004', 'comm-loss');
    expect((await client.readHoldingRegisters(40000, 2)).data).toEqual([0x5375, 0x6e53]);
  });
});
