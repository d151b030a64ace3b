import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedError } from '../errors.ts';

export interface DirLock {
  path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One owner process per embedded data directory. A lock left by a process
 * that died (kill -9, power loss) is taken over; a live owner is an error
 * naming its pid.
 */
export async function acquireDirLock(dir: string, name: string): Promise<DirLock> {
  const path = join(dir, `${name}.lock`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.sync();
      await handle.close();
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new EmbeddedError(
          'EMB_DATA_DIR_IN_USE',
          `${dir} is in use by process ${owner} (${name}); connect to it instead of opening it again`,
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new EmbeddedError('EMB_DATA_DIR_IN_USE', `could not lock ${dir} for ${name}`);
}
