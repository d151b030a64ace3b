import type { Logger } from 'pino';
import type { GroupCoordinator } from '../groups/coordinator.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { ProducerIdAllocator } from '../producer-ids.ts';
import type { ApiKeyValue } from '../protocol/api-keys.ts';
import type { RequestHeader } from '../protocol/header.ts';
import type { Reader } from '../protocol/reader.ts';
import { codecFor, type Decoded, type Encodable, type MessageSchema } from '../protocol/schema.ts';
import type { Writer } from '../protocol/writer.ts';
import type { TopicStore } from '../topics/topic-store.ts';

/** Shared broker state the handlers read and change; handlers hold none of their own. */
export interface BrokerState {
  nodeId: number;
  clusterId: string;
  /** Advertised in Metadata and FindCoordinator. */
  host: string;
  port: number;
  topics: TopicStore;
  groups: GroupCoordinator;
  producerIds: ProducerIdAllocator;
  metrics: BrokerMetrics;
  logger: Logger;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** fsync before acknowledging produce (acks != 0) and offset commits. */
  fsyncPerBatch: boolean;
  /** Largest produce batch accepted (bytes). */
  maxMessageBytes: number;
  /** Most record bytes one Fetch response carries, whatever the client asks (Kafka's fetch.max.bytes). */
  maxFetchBytes: number;
  handlers: readonly ApiHandler[];
  closing: boolean;
  /**
   * Called once when the broker starts closing, so long-polls end at once. Waiters
   * remove themselves when done (a Set, not promise reactions that would pile up).
   */
  closeWaiters: Set<() => void>;
}

export interface RequestContext {
  header: RequestHeader;
  clientHost: string;
}

/** A handler's answer meaning "close this connection" (Produce with acks=0 that failed, as Kafka does). */
export const CLOSE_CONNECTION = Symbol('close-connection');

/** A handler's answer: the response, null for none (Produce with acks=0), or CLOSE_CONNECTION. */
export type Answer<Res extends MessageSchema> = Encodable<Res> | null | typeof CLOSE_CONNECTION;

/**
 * What a handler file declares: the API, the versions it serves, its request and
 * response schemas, and the handler. The handler's request and response types
 * are derived from the two schemas, so reading a field the API does not have,
 * or answering without one it needs, fails to type-check.
 */
export interface ApiDefinition<Req extends MessageSchema, Res extends MessageSchema> {
  apiKey: ApiKeyValue;
  name: string;
  minVersion: number;
  maxVersion: number;
  request: Req;
  response: Res;
  handle(state: BrokerState, request: Decoded<Req>, ctx: RequestContext): Answer<Res> | Promise<Answer<Res>>;
}

/** A response ready to write, bound to the codec of the version it answers. */
export interface EncodedAnswer {
  encode(w: Writer): void;
}

/** One decoded request, waiting to be handled. */
export type PendingRequest = (
  state: BrokerState,
  ctx: RequestContext,
) => Promise<EncodedAnswer | null | typeof CLOSE_CONNECTION>;

/**
 * One served API as the registry and the connection hold it. Its message types
 * stay inside `decode`, which pairs a request's decoder with its handler and the
 * handler's answer with its encoder, so no untyped message crosses the connection.
 */
export interface ApiHandler {
  readonly apiKey: ApiKeyValue;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
  /** Decodes a request body of `version` (ProtocolError when malformed); calling the result handles it. */
  decode(version: number, body: Reader): PendingRequest;
}

export function defineApi<Req extends MessageSchema, Res extends MessageSchema>(
  def: ApiDefinition<Req, Res>,
): ApiHandler {
  const { apiKey, name, minVersion, maxVersion, request, response } = def;
  return {
    apiKey,
    name,
    minVersion,
    maxVersion,
    request,
    response,
    decode(version, body) {
      const decoded = codecFor(request, version).decode(body);
      return async (state, ctx) => {
        const answer = await def.handle(state, decoded, ctx);
        if (answer === null) return null;
        if (answer === CLOSE_CONNECTION) return CLOSE_CONNECTION;
        return { encode: (w) => codecFor(response, version).encode(w, answer) };
      };
    },
  };
}
