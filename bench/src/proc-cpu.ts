import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux this runs on). */
const USER_HZ = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; NaN when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** CPU use of named process groups between `start()` and `stop()`, in % of one core. */
export class CpuMeter {
  private before = new Map<string, number>();
  private t0 = 0;

  constructor(private readonly groups: () => Record<string, (number | undefined)[]>) {}

  private sample(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, pids] of Object.entries(this.groups())) {
      out.set(
        name,
        pids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0),
      );
    }
    return out;
  }

  start(): void {
    this.before = this.sample();
    this.t0 = performance.now();
  }

  stop(): Record<string, number> {
    const after = this.sample();
    const seconds = (performance.now() - this.t0) / 1000;
    const out: Record<string, number> = {};
    for (const [name, v] of after) out[name] = Math.round((100 * (v - (this.before.get(name) ?? v))) / seconds);
    return out;
  }
}
