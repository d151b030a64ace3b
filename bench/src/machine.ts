import { cpus, loadavg, release, totalmem } from 'node:os';

/** What the figures were measured on, read from the machine at run time (never assumed). */
export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** 1, 5 and 15 minute load averages when read: other work on a shared machine shows here. */
  loadAverage: number[];
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** One line for the table header and for notes: "2 cores (AMD EPYC), 24 GiB, …". */
export function describeMachine(m: MachineFacts = machineFacts()): string {
  return `${m.cpus} ${m.cpus === 1 ? 'core' : 'cores'} (${m.cpuModel}), ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, load average ${m.loadAverage.join(' / ')}`;
}

/** "on 2 cores": for notes that depend on how many cores the processes shared. */
export function coresNote(): string {
  const n = cpus().length;
  return `on ${n} ${n === 1 ? 'core' : 'cores'}`;
}
