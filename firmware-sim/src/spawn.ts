import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface SpawnedSimulator {
  child: ChildProcess;
  ports: number[];
  controlUrl: string;
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Starts `ysh sim` in a child process (same flags) and resolves once it logged "simulator ready". */
export function spawnSimulator(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 30_000,
): Promise<SpawnedSimulator> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulator not ready within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'simulator ready') {
        clearTimeout(timer);
        resolve({
          child,
          ports: entry.ports as number[],
          controlUrl: entry.controlUrl as string,
          logs,
          stop(signal = 'SIGTERM') {
            if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}
