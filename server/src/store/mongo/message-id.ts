import { createHash } from 'node:crypto';
import { sendKey } from '../send-key.ts';

/**
 * A message's `_id` is derived from (senderId, clientId), the pair that identifies a send,
 * so "is this send already stored?" is an `_id` equality lookup: the only filter that
 * FerretDB 1.x answers from an index (any other filter decodes the whole collection in Go),
 * and the cheapest one on MongoDB too. A hash keeps the id opaque and bounded (32 hex
 * characters, 128 bits, whatever the clientId) and reveals neither part. Its input is the
 * send key, which never gives two different pairs the same string.
 */
export function messageIdFor(senderId: string, clientId: string): string {
  return createHash('sha256').update(sendKey({ senderId, clientId })).digest('hex').slice(0, 32);
}
