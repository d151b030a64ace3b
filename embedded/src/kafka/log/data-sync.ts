import { fdatasync, fdatasyncSync } from 'node:fs';

/**
 * How a partition log flushes its files to disk. The broker hands its logs one
 * that asks the control hook first, so tests can make a flush fail as a failing
 * disk does (EIO) and check what the broker makes of it.
 */
export interface DataSync {
  sync(fd: number): void;
  syncAsync(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void;
}

export const fsDataSync: DataSync = {
  sync: (fd) => fdatasyncSync(fd),
  syncAsync: (fd, done) => fdatasync(fd, done),
};
