/** A batch ready to send: the JSON body bytes plus what the agent needs to account for it. */
export interface OutgoingBatch {
  batchId: string;
  body: Buffer;
  readings: number;
}

export interface SendResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

/** Sends one batch; resolves only when the receiver acknowledged it, throws UplinkError otherwise. */
export interface UplinkTransport {
  readonly kind: 'http' | 'mqtt';
  send(batch: OutgoingBatch): Promise<SendResult>;
  close(): Promise<void>;
}
