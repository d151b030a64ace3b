import type { DataSync } from './log/data-sync.ts';

/**
 * Fault injection for tests: intercept requests by API key and drop them (never
 * handled, as if lost on the way in), handle them but drop the response (lost on
 * the way back: the client retries something the broker already did), delay them,
 * or close the connection that sent them; and make the partition logs' fdatasync
 * fail with EIO, as a failing disk does.
 */
export type ControlAction =
  | { kind: 'drop' }
  | { kind: 'drop-response' }
  | { kind: 'delay'; ms: number }
  | { kind: 'close' };

export interface InterceptedRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

export type Interceptor = (request: InterceptedRequest) => ControlAction | undefined;

export interface BrokerControl {
  /** Runs `fn` for every request with this API key; returns a function that removes it. */
  intercept(apiKey: number, fn: Interceptor): () => void;
  /** Drops the next `times` requests with this key (every one when omitted). */
  drop(apiKey: number, times?: number): () => void;
  dropResponse(apiKey: number, times?: number): () => void;
  delay(apiKey: number, ms: number, times?: number): () => void;
  closeOn(apiKey: number, times?: number): () => void;
  clear(): void;
  /** Makes the next `times` fdatasync calls of partition logs fail with EIO (every one when omitted). */
  failSync(times?: number): () => void;
  /** Raw request frames seen (header included, size prefix excluded) when capture is on. */
  captured: { apiKey: number; apiVersion: number; frame: Buffer }[];
  capture(on: boolean): void;
}

export class Control implements BrokerControl {
  private readonly rules = new Map<number, Set<Interceptor>>();
  captured: { apiKey: number; apiVersion: number; frame: Buffer }[] = [];
  capturing = false;
  private syncFailures = 0;

  intercept(apiKey: number, fn: Interceptor): () => void {
    let set = this.rules.get(apiKey);
    if (!set) {
      set = new Set();
      this.rules.set(apiKey, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  private counted(apiKey: number, action: ControlAction, times: number | undefined): () => void {
    let left = times ?? Number.POSITIVE_INFINITY;
    const remove = this.intercept(apiKey, () => {
      if (left <= 0) return undefined;
      left--;
      if (left <= 0) remove();
      return action;
    });
    return remove;
  }

  drop(apiKey: number, times?: number): () => void {
    return this.counted(apiKey, { kind: 'drop' }, times);
  }
  dropResponse(apiKey: number, times?: number): () => void {
    return this.counted(apiKey, { kind: 'drop-response' }, times);
  }
  delay(apiKey: number, ms: number, times?: number): () => void {
    return this.counted(apiKey, { kind: 'delay', ms }, times);
  }
  closeOn(apiKey: number, times?: number): () => void {
    return this.counted(apiKey, { kind: 'close' }, times);
  }
  failSync(times?: number): () => void {
    this.syncFailures = times ?? Number.POSITIVE_INFINITY;
    return () => {
      this.syncFailures = 0;
    };
  }
  clear(): void {
    this.rules.clear();
    this.syncFailures = 0;
  }
  capture(on: boolean): void {
    this.capturing = on;
  }

  /** The first action any interceptor asks for. */
  decide(request: InterceptedRequest): ControlAction | undefined {
    const set = this.rules.get(request.apiKey);
    if (!set || set.size === 0) return undefined;
    for (const fn of [...set]) {
      const action = fn(request);
      if (action) return action;
    }
    return undefined;
  }

  /** The logs' fdatasync, failing while failSync() asks it to. */
  dataSync(real: DataSync): DataSync {
    const fault = (): NodeJS.ErrnoException | undefined => {
      if (this.syncFailures <= 0) return undefined;
      this.syncFailures--;
      return Object.assign(new Error('EIO: i/o error, fdatasync (injected by the broker control hook)'), {
        code: 'EIO',
        errno: -5,
        syscall: 'fdatasync',
      });
    };
    return {
      sync(fd) {
        const err = fault();
        if (err) throw err;
        real.sync(fd);
      },
      syncAsync(fd, done) {
        const err = fault();
        if (err) process.nextTick(done, err);
        else real.syncAsync(fd, done);
      },
    };
  }
}
