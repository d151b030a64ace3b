import ModbusSerial from 'modbus-serial';
type ModbusRTU = InstanceType<typeof import('modbus-serial')['default']>;

// The package's typings declare the default export as the class but its CJS build is the constructor itself.
const Client = ModbusSerial as unknown as new () => ModbusRTU;

/** A modbus-serial TCP client (an independent Modbus implementation) for tests. */
export async function connectClient(port: number, unitId = 1, timeoutMs = 2000): Promise<ModbusRTU> {
  const client = new Client();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  return client;
}

/** Reads `count` holding registers from `address` in blocks of at most 125. */
export async function readBlock(client: ModbusRTU, address: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let at = 0; at < count; at += 125) {
    const n = Math.min(125, count - at);
    const r = await client.readHoldingRegisters(address + at, n);
    out.push(...r.data);
  }
  return out;
}

/** Reads the whole SunSpec map from `base`: follows the model chain header by header. */
export async function readSunSpecMap(client: ModbusRTU, base = 40000): Promise<number[]> {
  const regs = await readBlock(client, base, 2);
  let at = 2;
  for (;;) {
    const [id, len] = await readBlock(client, base + at, 2);
    regs.push(id ?? 0, len ?? 0);
    if (id === 0xffff) return regs;
    regs.push(...(await readBlock(client, base + at + 2, len ?? 0)));
    at += 2 + (len ?? 0);
  }
}

export async function closeClient(client: ModbusRTU): Promise<void> {
  await new Promise<void>((resolve) => client.close(() => resolve()));
}
