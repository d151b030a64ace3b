import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const YSH_BIN = join(import.meta.dirname, '..', '..', 'bin', 'ysh.mjs');

export interface ChildServiceOptions {
  /** Unique name, also the log file name. */
  name: string;
  /** `ysh` arguments, e.g. ['gateway', '--port', '7080']. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Where stdout/stderr go (JSON logs); appended across restarts. */
  logFile: string;
  /** Polled until it answers 2xx, to know the service is up. */
  healthUrl?: string;
  cwd?: string;
}

/**
 * One component as its own process (`node ysh.mjs <args>`), with its logs in a
 * file. Can be stopped gracefully, killed -9 and started again, which is what
 * `ysh start` and the chaos tests need. The child gets an IPC channel: it is
 * supervised, so it leaves a terminal's Ctrl-C (SIGINT to the whole process
 * group) to this side, which stops components in order, and it stops by
 * itself when this process goes away (see `gracefulShutdown` in @ysh/common).
 */
export class ChildService {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  /** Called when the process ends without being asked to. */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private stopping = false;

  constructor(readonly options: ChildServiceOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await mkdir(dirname(this.options.logFile), { recursive: true });
    this.log ??= createWriteStream(this.options.logFile, { flags: 'a' });
    this.stopping = false;
    const child = spawn(process.execPath, [YSH_BIN, ...this.options.args], {
      cwd: this.options.cwd,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (!this.stopping) this.onUnexpectedExit?.(code, signal);
        resolve(code);
      });
    });
    if (this.options.healthUrl) await this.waitHealthy();
  }

  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const url = this.options.healthUrl;
    if (!url) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        const last = await lastLogError(this.options.logFile);
        throw new Error(
          `${this.options.name} exited while starting${last ? ` (${last})` : ''}; see ${this.options.logFile}`,
        );
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.options.name} not healthy at ${url} within ${timeoutMs} ms; see ${this.options.logFile}`);
  }

  /** SIGTERM and wait (the component flushes and closes); SIGKILL past the deadline. */
  async stop(deadlineMs = 20_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.stopping = true;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), deadlineMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** kill -9: no flush, no goodbye — what a power cut or OOM kill does. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  closeLog(): void {
    this.log?.end();
    this.log = undefined;
  }
}

/**
 * The last error-level line (pino level ≥ 50) among the last 64 KiB of a component's log, as
 * "msg: err.message"; else the last "…Error: message" line an uncaught exception printed (or a
 * `ysh <command>: …` line); else its last line: what an operator
 * needs to see when a component dies while starting, without opening the file.
 */
export async function lastLogError(file: string): Promise<string | undefined> {
  let text: string;
  try {
    const f = await open(file, 'r');
    try {
      const { size } = await f.stat();
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await f.read(buf, 0, length, size - length);
      text = buf.toString('utf8');
    } finally {
      await f.close();
    }
  } catch {
    return undefined;
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { level?: unknown; msg?: unknown; err?: { message?: unknown } };
      if (typeof j.level !== 'number' || j.level < 50) continue;
      const why = typeof j.err?.message === 'string' ? j.err.message : undefined;
      return [typeof j.msg === 'string' ? j.msg : undefined, why].filter(Boolean).join(': ') || line.slice(0, 300);
    } catch {
      // a console line that happens to start with a brace
    }
  }
  // An uncaught exception prints its stack, then Node's version: the "SomethingError: message" line tells.
  const thrown = lines.findLast((l) => /^(?:[A-Z]\w*)?Error\b.*:/.test(l) || /^ysh [\w-]+: /.test(l));
  return (thrown ?? lines.findLast((l) => !/^Node\.js v\d/.test(l)))?.slice(0, 300);
}
