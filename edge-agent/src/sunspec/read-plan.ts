/** One Modbus read: `length` registers from absolute `address`. */
export interface BlockRead {
  address: number;
  length: number;
}

/** A model to poll: its ID register's absolute address and its full size (2 + L registers). */
export interface PolledModel {
  id: number;
  address: number;
  size: number;
}

/**
 * Coalesces the register ranges of the polled models into as few reads as the
 * device allows (`maxRegisters` per request, 125 for FC3). Neighbouring models
 * (gaps of up to `maxGap` registers inside the SunSpec map) share a read; a model
 * larger than one read is split, its scale factors staying in the first part
 * (SunSpec puts a repeating group's scale factors in the fixed block before it).
 */
export function planReads(models: readonly PolledModel[], maxRegisters = 125, maxGap = 32): BlockRead[] {
  const sorted = [...models].sort((a, b) => a.address - b.address);
  const reads: BlockRead[] = [];
  let current: BlockRead | undefined;
  for (const m of sorted) {
    let address = m.address;
    let remaining = m.size;
    while (remaining > 0) {
      if (current) {
        const gap = address - (current.address + current.length);
        const merged = address + remaining - current.address;
        if (gap >= 0 && gap <= maxGap && merged <= maxRegisters) {
          current.length = merged;
          remaining = 0;
          break;
        }
        if (gap >= 0 && gap <= maxGap && current.length + gap < maxRegisters && address === m.address) {
          // Fill the current read up to the limit, continue with a fresh one.
          const take = maxRegisters - current.length - gap;
          current.length = maxRegisters;
          address += take;
          remaining -= take;
        }
      }
      if (remaining <= 0) break;
      current = { address, length: Math.min(maxRegisters, remaining) };
      reads.push(current);
      address += current.length;
      remaining -= current.length;
    }
  }
  return reads;
}

/** Copies the registers of [address, address + size) out of completed reads. */
export function assemble(
  reads: readonly BlockRead[],
  data: readonly (readonly number[])[],
  address: number,
  size: number,
): Uint16Array | undefined {
  const out = new Uint16Array(size);
  let filled = 0;
  reads.forEach((r, i) => {
    const regs = data[i];
    if (!regs) return;
    const from = Math.max(address, r.address);
    const to = Math.min(address + size, r.address + r.length);
    for (let a = from; a < to; a++) {
      out[a - address] = regs[a - r.address] ?? 0;
      filled++;
    }
  });
  return filled === size ? out : undefined;
}
