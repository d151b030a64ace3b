import { spawn } from 'node:child_process';
import { YSH_BIN } from './child-service.ts';

/** Runs a one-shot `ysh` command and returns its stdout; a non-zero exit is an error carrying stderr. */
export function runYsh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [YSH_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`ysh ${args.join(' ')} exited ${code}: ${stderr.trim()}`)),
    );
  });
}
