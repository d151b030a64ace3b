import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeMachine, machineFacts } from './machine.ts';
import type { Benchmark, BenchRow } from './types.ts';
import { benchmarks } from './registry.ts';

function table(rows: BenchRow[]): string {
  const head = ['group', 'benchmark', 'value', 'peer', 'peer value', 'ratio', 'target', 'notes'];
  const body = rows.map((r) => [
    r.group,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.peer ?? '',
    r.peerValue === undefined ? '' : `${fmt(r.peerValue)} ${r.unit}`,
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.target === undefined ? '' : `${r.target} ${r.met === undefined ? '' : r.met ? '(met)' : '(NOT met)'}`,
    r.notes ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

function fmt(n: number): string {
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const known = new Set(benchmarks.map((b) => b.group));
  const unknown = wanted.filter((w) => !known.has(w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from: ${[...known].join(', ')}\n`);
    process.exit(2);
  }
  const selected: Benchmark[] = wanted.length ? benchmarks.filter((b) => wanted.includes(b.group)) : benchmarks;
  const before = machineFacts();
  process.stderr.write(`machine: ${describeMachine(before)}\n`);
  const rows: BenchRow[] = [];
  for (const b of selected) {
    process.stderr.write(`running ${b.group}: ${b.description}\n`);
    rows.push(...(await b.run()));
  }
  const after = machineFacts();
  process.stdout.write(`machine: ${describeMachine(after)} (at the start: ${before.loadAverage.join(' / ')})\n`);
  process.stdout.write(`${table(rows)}\n`);
  const machine = { ...after, loadAverageAtStart: before.loadAverage };
  const out = join(import.meta.dirname, '..', 'results.json');
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), machine, rows }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

await main();
