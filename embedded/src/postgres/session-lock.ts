/**
 * Who may talk to PGlite's single session right now. A connection holds it
 * from its first message of a request until the Sync (or simple Query) that
 * ends it — and for as long as it keeps a transaction open — so no other
 * connection's Parse/Bind/Execute can land in between.
 */
export class SessionLock {
  private owner: number | null = null;
  private readonly waiters: Array<{ id: number; resolve: () => void }> = [];

  get holder(): number | null {
    return this.owner;
  }

  acquire(id: number): Promise<void> {
    if (this.owner === id) return Promise.resolve();
    if (this.owner === null) {
      this.owner = id;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ id, resolve }));
  }

  release(id: number): void {
    if (this.owner !== id) return;
    const next = this.waiters.shift();
    this.owner = next ? next.id : null;
    next?.resolve();
  }

  /** A connection went away: forget its place in the queue (its hold is released by the caller). */
  forget(id: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i]?.id === id) this.waiters.splice(i, 1);
  }
}
