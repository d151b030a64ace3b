/**
 * Load generator for the sim benchmark, run as a child process so the server
 * under test keeps its own core: C connections, each keeping `depth` Modbus
 * TCP read requests in flight against random unit ids of its port.
 * argv[2] = JSON { ports: number[], units: number, connections, depth, seconds, address, count }.
 */
import net from 'node:net';

interface Plan {
  ports: number[];
  units: number;
  /** Unit ids per port (247 when devices share ports, 1 with one port per device). */
  unitsPerPort?: number;
  connections: number;
  depth: number;
  seconds: number;
  address: number;
  count: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
let done = 0;
let errors = 0;
let measuring = false;

function request(tid: number, unit: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(tid & 0xffff, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(6, 4);
  b[6] = unit;
  b[7] = 3;
  b.writeUInt16BE(plan.address, 8);
  b.writeUInt16BE(plan.count, 10);
  return b;
}

function unitsOn(portIndex: number): number {
  const per = plan.unitsPerPort ?? 247;
  return Math.max(1, Math.min(per, plan.units - portIndex * per));
}

async function connection(i: number): Promise<void> {
  const portIndex = i % plan.ports.length;
  const port = plan.ports[portIndex] as number;
  const units = unitsOn(portIndex);
  const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let tid = i * 1000;
  let pending: Buffer = Buffer.alloc(0);
  const send = () => {
    tid++;
    sock.write(request(tid, 1 + ((tid * 7919) % units)));
  };
  sock.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 6) {
      const len = pending.readUInt16BE(4);
      if (pending.length < 6 + len) break;
      const fc = pending[7] ?? 0;
      if (measuring) {
        if (fc & 0x80) errors++;
        else done++;
      }
      pending = pending.subarray(6 + len);
      send();
    }
  });
  sock.on('error', () => {});
  for (let d = 0; d < plan.depth; d++) send();
}

await Promise.all(Array.from({ length: plan.connections }, (_, i) => connection(i)));
await new Promise((r) => setTimeout(r, 300)); // warm-up
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, plan.seconds * 1000));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ done, errors, seconds })}\n`);
process.exit(0);
