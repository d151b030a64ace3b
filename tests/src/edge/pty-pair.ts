import { spawn, type ChildProcess } from 'node:child_process';

/** `socat` joining two pseudo-terminals: a virtual RS-485 line with one end per side. */
export async function startPtyPair(): Promise<{
  a: string;
  b: string;
  proc: ChildProcess;
  close: () => Promise<void>;
}> {
  const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const paths: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${text}`)), 5000);
    proc.stderr?.on('data', (b: Buffer) => {
      text += b.toString();
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (!paths.includes(m[1] as string)) paths.push(m[1] as string);
      if (paths.length === 2 && /starting data transfer loop/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`socat exited ${code}: ${text}`)));
  });
  return {
    a: paths[0] as string,
    b: paths[1] as string,
    proc,
    close: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
