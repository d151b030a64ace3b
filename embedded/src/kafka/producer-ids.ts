import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 1000;

/**
 * Producer ids for idempotent producers, never reused across restarts: the file
 * holds the first id of the next block, reserved before any id of the block is handed out.
 */
export class ProducerIdAllocator {
  private next: number;
  private limit: number;
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'producer-ids');
    const start = existsSync(this.path) ? Number(readFileSync(this.path, 'utf8').trim()) || 0 : 0;
    this.next = start;
    this.limit = start;
  }

  allocate(): number {
    if (this.next >= this.limit) {
      this.limit = this.next + BLOCK;
      const tmp = `${this.path}.tmp`;
      const fd = openSync(tmp, 'w');
      writeSync(fd, String(this.limit));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, this.path);
    }
    return this.next++;
  }
}
