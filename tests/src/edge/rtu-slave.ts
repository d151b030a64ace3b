import { spawn, type ChildProcess } from 'node:child_process';
import { ServerSerial } from 'modbus-serial';
import type { Simulator } from '@ysh/firmware-sim';

/** `socat` joining two pseudo-terminals: a virtual RS-485 line with one end per side. */
export async function startPtyPair(): Promise<{
  a: string;
  b: string;
  proc: ChildProcess;
  close: () => Promise<void>;
}> {
  const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const paths: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${text}`)), 5000);
    proc.stderr?.on('data', (b: Buffer) => {
      text += b.toString();
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (!paths.includes(m[1] as string)) paths.push(m[1] as string);
      if (paths.length === 2 && /starting data transfer loop/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`socat exited ${code}: ${text}`)));
  });
  return {
    a: paths[0] as string,
    b: paths[1] as string,
    proc,
    close: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export interface RtuSlave {
  /** Requests being answered at once; more than one means the master broke the one-at-a-time rule. */
  maxConcurrent: number;
  requests: number;
  close(): Promise<void>;
}

/**
 * Serves the simulator's devices over Modbus RTU on one end of the pty pair
 * (modbus-serial's ServerSerial; the simulator itself speaks Modbus TCP only).
 * Unit id k is the simulator's k-th device; registers come from the
 * simulator's own register map at its current simulated time. Each answer
 * takes `turnaroundMs`, like a real RS-485 device.
 */
export async function startRtuSlave(sim: Simulator, path: string, turnaroundMs = 3): Promise<RtuSlave> {
  let active = 0;
  const state = { maxConcurrent: 0, requests: 0 };
  const vector = {
    getMultipleHoldingRegisters(
      address: number,
      length: number,
      unitID: number,
      cb: (err: { modbusErrorCode: number } | null, values?: number[]) => void,
    ) {
      state.requests++;
      active++;
      state.maxConcurrent = Math.max(state.maxConcurrent, active);
      setTimeout(() => {
        active--;
        const info = sim.devices[unitID - 1];
        if (!info) return cb({ modbusErrorCode: 0x0b });
        const regs = sim.device(info.id).registers(sim.clock.now());
        const from = address - sim.base;
        if (from < 0 || from + length > regs.length) return cb({ modbusErrorCode: 0x02 });
        cb(null, Array.from(regs.subarray(from, from + length)));
      }, turnaroundMs);
    },
    getHoldingRegister(_addr: number, _unit: number, cb: (err: { modbusErrorCode: number } | null) => void) {
      cb({ modbusErrorCode: 0x02 });
    },
  };
  const server = await new Promise<ServerSerial>((resolve, reject) => {
    const s: ServerSerial = new ServerSerial(
      vector as never,
      {
        path,
        baudRate: 115200,
        unitID: 255,
        openCallback: (err: Error | null) => (err ? reject(err) : resolve(s)),
      } as never,
    );
    s.on('error', () => undefined);
  });
  return {
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
