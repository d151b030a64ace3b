import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../../edge-agent/src/child.ts', import.meta.url));

/** The edge agent in its own process (so tests can kill -9 it), reporting what it stored. */
export interface AgentProcess {
  child: ChildProcess;
  ready: Promise<{ port: number }>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function spawnAgent(
  args: string[],
  onStored: (pairs: [string, number][]) => void,
  env: NodeJS.ProcessEnv = {},
  onStoring?: (pairs: [string, number][]) => void,
): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    env: { ...process.env, YSH_LOG_LEVEL: 'error', YSH_EDGE_REPORT_STORED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ port: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let msg: { ready?: { port: number }; stored?: [string, number][]; storing?: [string, number][] };
      try {
        msg = JSON.parse(line);
      } catch {
        return; // a line cut by kill -9
      }
      if (msg.ready) resolve(msg.ready);
      if (msg.stored) onStored(msg.stored);
      if (msg.storing) onStoring?.(msg.storing);
    });
    void exited.then((code) => reject(new Error(`agent exited (${code}) before ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    kill: (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}
