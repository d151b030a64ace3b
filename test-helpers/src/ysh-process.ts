import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const YSH_BIN = join(REPO_ROOT, 'cli', 'bin', 'ysh.mjs');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `ysh <args>` (or a TypeScript file with `--ts`) as a real child process and collects its output. */
export function runProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ts?: string } = {},
): Promise<Finished> {
  const argv = options.ts ? ['--import', 'tsx', options.ts, ...args] : [YSH_BIN, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finished(child);
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Starts `ysh <args>` and resolves once its stdout contains `ready`. */
export function startProcess(
  args: string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ child: ChildProcess; output: () => string; done: Promise<Finished> }> {
  const child = spawn(process.execPath, [YSH_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = finished(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${options.timeoutMs ?? 30_000} ms: ${out}`)),
      options.timeoutMs ?? 30_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out, done });
      }
    });
    void done.then((f) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${f.code} before ready: ${f.stdout}${f.stderr}`));
    });
  });
}
