import type { Logger } from 'pino';
import type { GroupCoordinator } from '../groups/coordinator.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { ProducerIdAllocator } from '../producer-ids.ts';
import type { RequestHeader } from '../protocol/header.ts';
import type { Decoded, MessageSchema } from '../protocol/schema.ts';
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

/**
 * One API: the versions it serves, its codecs, and the handler. Returning null
 * means "send no response" (Produce with acks=0); CLOSE_CONNECTION closes the connection.
 */
export interface ApiHandler {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  request: MessageSchema;
  response: MessageSchema;
  handle(state: BrokerState, request: Decoded, ctx: RequestContext): Promise<unknown | null> | unknown | null;
}
