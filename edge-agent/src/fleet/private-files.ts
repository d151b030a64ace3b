import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where an enrolled agent keeps what the enrollment gave it (under `<dataDir>/edge/`). */
export const FLEET_FILES = {
  enrollment: 'enrollment.json',
  token: 'site-token',
  remoteConfig: 'remote-config.json',
} as const;

export function fleetPath(dataDir: string, file: keyof typeof FLEET_FILES): string {
  return join(dataDir, 'edge', FLEET_FILES[file]);
}

/**
 * Writes a file only its owner can read (0600, in a 0700 directory): created under a temporary
 * name with that mode from the first byte, fsynced, then renamed over the old one. When root writes
 * it (an installer running `sudo ysh-edge enroll`), it is handed to the data directory's owner,
 * the service user.
 */
export async function writePrivateFile(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(tmp, 0o600);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (process.getuid?.() === 0) {
    const owner = await stat(dirname(dir));
    if (owner.uid !== 0) {
      await chown(dir, owner.uid, owner.gid);
      await chown(path, owner.uid, owner.gid);
    }
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
