import { gunzip } from 'node:zlib';
import { GatewayError } from '../errors.ts';

function inflate(buf: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(buf, { maxOutputLength }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * Request body bytes → JSON value. `encoding` is the Content-Encoding header.
 * gzip is inflated with a hard output cap (a gzip bomb stops at the cap, it
 * is never inflated whole); anything but gzip/identity is refused.
 */
export async function decodeBody(
  raw: Buffer,
  encoding: string | undefined,
  maxDecompressedBytes: number,
): Promise<unknown> {
  let text: Buffer = raw;
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') {
    try {
      text = await inflate(raw, maxDecompressedBytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new GatewayError(
          'GW_DECOMPRESSED_TOO_LARGE',
          `body: inflates past the ${maxDecompressedBytes}-byte decompressed-size limit`,
        );
      throw new GatewayError('GW_BAD_ENCODING', `body: is not valid gzip (${(err as Error).message})`);
    }
  } else if (enc !== 'identity' && enc !== '') {
    throw new GatewayError(
      'GW_UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding: ${JSON.stringify(encoding)} is not supported (use gzip or none)`,
    );
  } else if (raw.length > maxDecompressedBytes) {
    throw new GatewayError('GW_DECOMPRESSED_TOO_LARGE', `body: larger than the ${maxDecompressedBytes}-byte limit`);
  }
  try {
    return JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new GatewayError('GW_MALFORMED_JSON', `body: is not valid JSON (${(err as Error).message})`);
  }
}
