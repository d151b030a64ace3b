import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Control } from './control.ts';
import { ProtocolError } from './errors.ts';
import { type ApiHandler, type BrokerState, CLOSE_CONNECTION, type PendingRequest } from './handlers/types.ts';
import { ApiKey, apiName } from './protocol/api-keys.ts';
import { readHeaderPrefix, readRequestHeader, writeResponseHeader } from './protocol/header.ts';
import { codecFor, isFlexible } from './protocol/schema.ts';
import { apiVersionsResponse } from './protocol/apis/api-versions.ts';
import { ErrorCode } from './protocol/error-codes.ts';
import { supportedVersions } from './handlers/18-api-versions.ts';
import { Writer } from './protocol/writer.ts';

export interface ConnectionLimits {
  /** Largest request frame accepted; a larger size prefix closes the connection. */
  maxFrameBytes: number;
  /** Bytes a connection may have read but not yet handled before the socket is paused. */
  maxBufferedBytes: number;
  /** Unwritten response bytes after which handling waits for the socket to drain. */
  maxPendingWriteBytes: number;
}

/**
 * One client connection: splits the byte stream into size-prefixed frames and
 * handles them one at a time, in order (as Kafka does), so responses keep the
 * order of requests. Memory is bounded: reading pauses while too much is queued,
 * and handling waits while too much response data is unwritten.
 */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frames: Buffer[] = [];
  private queuedBytes = 0;
  private running = false;
  private paused = false;
  closed = false;
  readonly clientHost: string;

  constructor(
    private readonly socket: Socket,
    private readonly state: BrokerState,
    private readonly byKey: Map<number, ApiHandler>,
    private readonly control: Control,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
  ) {
    this.clientHost = socket.remoteAddress ?? '';
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.logger.debug({ err: err.message, client: this.clientHost }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.frames = [];
      this.chunks = [];
    });
  }

  private reject(reason: string, detail: string): void {
    if (this.closed) return;
    this.state.metrics.rejected.inc({ reason });
    this.logger.warn({ client: this.clientHost, reason, detail }, 'closing connection');
    this.close();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.concat();
      const size = head.readInt32BE(0);
      if (size < 8 || size > this.limits.maxFrameBytes) {
        this.reject(size < 8 ? 'frame-too-small' : 'frame-too-large', `size prefix ${size}`);
        return;
      }
      if (this.buffered < 4 + size) break;
      const all = this.concat();
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.frames.push(frame);
      this.queuedBytes += frame.length;
    }
    if (!this.paused && this.queuedBytes + this.buffered > this.limits.maxBufferedBytes) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.running && this.frames.length > 0) void this.run();
  }

  private concat(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.frames.length > 0) {
        const frame = this.frames.shift()!;
        this.queuedBytes -= frame.length;
        // Resume once the backlog halves, or when no whole frame is left (a partly received
        // frame can only complete if reading goes on).
        if (
          this.paused &&
          (this.frames.length === 0 || this.queuedBytes + this.buffered <= this.limits.maxBufferedBytes / 2)
        ) {
          this.paused = false;
          this.socket.resume();
        }
        try {
          await this.handle(frame);
        } catch (err) {
          this.logger.error({ err, client: this.clientHost }, 'request failed; closing connection');
          this.close();
        }
        if (this.socket.writableLength > this.limits.maxPendingWriteBytes && !this.closed) {
          await new Promise<void>((resolve) => {
            const done = () => {
              this.socket.off('drain', done);
              this.socket.off('close', done);
              resolve();
            };
            this.socket.on('drain', done);
            this.socket.on('close', done);
          });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    let prefix: ReturnType<typeof readHeaderPrefix>;
    try {
      prefix = readHeaderPrefix(frame);
    } catch (err) {
      this.reject('malformed', (err as Error).message);
      return;
    }
    const { apiKey, apiVersion, correlationId } = prefix;
    if (this.control.capturing) this.control.captured.push({ apiKey, apiVersion, frame: Buffer.from(frame) });
    const handler = this.byKey.get(apiKey);
    if (!handler) {
      this.reject('unknown-api', `api key ${apiKey}`);
      return;
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) {
        // KIP-511: answer in v0 so the client learns which versions to retry with.
        this.send(correlationId, false, (w) =>
          codecFor(apiVersionsResponse, 0).encode(w, {
            errorCode: ErrorCode.UNSUPPORTED_VERSION,
            apiKeys: supportedVersions(this.state),
            throttleTimeMs: 0, // not in v0: keeps the type honest, writes nothing
          }),
        );
        return;
      }
      this.reject('unsupported-version', `${apiName(apiKey)} v${apiVersion}`);
      return;
    }
    const action = this.control.decide({ apiKey, apiVersion, correlationId });
    if (action?.kind === 'drop') return;
    if (action?.kind === 'close') {
      this.close();
      return;
    }
    if (action?.kind === 'delay') await new Promise((r) => setTimeout(r, action.ms));
    const flexible = isFlexible(handler.request, apiVersion);
    let pending: PendingRequest;
    let header: ReturnType<typeof readRequestHeader>['header'];
    try {
      const parsed = readRequestHeader(frame, flexible);
      header = parsed.header;
      pending = handler.decode(apiVersion, parsed.body);
    } catch (err) {
      const detail = err instanceof ProtocolError ? err.message : `unexpected decode failure: ${String(err)}`;
      this.reject('malformed', `${handler.name} v${apiVersion}: ${detail}`);
      return;
    }
    const started = performance.now();
    let answer: Awaited<ReturnType<PendingRequest>>;
    try {
      answer = await pending(this.state, { header, clientHost: this.clientHost });
    } catch (err) {
      this.state.metrics.rejected.inc({ reason: 'handler-error' });
      this.logger.error({ err, api: handler.name, version: apiVersion }, 'request handler failed; closing connection');
      this.close();
      return;
    }
    this.state.metrics.requests.inc({ api: handler.name });
    if (answer === CLOSE_CONNECTION) {
      this.logger.info(
        { client: this.clientHost, api: handler.name },
        'closing connection: a request without response failed',
      );
      this.close();
      return;
    }
    if (answer !== null && !this.closed && action?.kind !== 'drop-response') {
      const responseFlexible = flexible && apiKey !== ApiKey.ApiVersions;
      this.send(correlationId, responseFlexible, (w) => answer.encode(w));
    }
    this.state.metrics.requestSeconds.observe({ api: handler.name }, (performance.now() - started) / 1000);
  }

  private send(correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void): void {
    if (this.closed) return;
    const w = new Writer(512);
    w.int32(0);
    writeResponseHeader(w, correlationId, flexibleHeader);
    body(w);
    const size = w.length - 4;
    const chunks = w.toChunks();
    chunks[0]!.writeInt32BE(size, 0);
    this.socket.cork();
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }
}
