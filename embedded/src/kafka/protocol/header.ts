import { ProtocolError } from '../errors.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * Request Header v1 => request_api_key request_api_version correlation_id client_id
 *   request_api_key => INT16, request_api_version => INT16, correlation_id => INT32, client_id => NULLABLE_STRING
 * Request Header v2 => request_api_key request_api_version correlation_id client_id TAG_BUFFER
 *   (client_id stays a non-compact NULLABLE_STRING even in v2)
 * Response Header v0 => correlation_id INT32
 * Response Header v1 => correlation_id TAG_BUFFER
 */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads key, version and correlation id (always readable when the frame holds 8 bytes). */
export function readHeaderPrefix(frame: Buffer): Pick<RequestHeader, 'apiKey' | 'apiVersion' | 'correlationId'> {
  if (frame.length < 8) throw new ProtocolError(`request of ${frame.length} bytes is shorter than its header`);
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/** Decodes the header; the reader is left at the start of the request body. */
export function readRequestHeader(frame: Buffer, flexible: boolean): { header: RequestHeader; body: Reader } {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  if (flexible) r.taggedFields();
  return { header: { apiKey, apiVersion, correlationId, clientId }, body: r };
}

export function writeRequestHeader(w: Writer, header: RequestHeader, flexible: boolean): void {
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).nullableString(header.clientId);
  if (flexible) w.emptyTaggedFields();
}

export function writeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible) w.emptyTaggedFields();
}
