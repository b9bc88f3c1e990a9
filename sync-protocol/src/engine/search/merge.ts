/**
 * Pure: the device's hits and the server's, as one list (api.ts SearchResults). Merged by server
 * id: a message on both is the device's copy (it may show this device's pending edit) marked
 * `both`; one only the server found (history never loaded here) is built from the server's copy
 * and marked `server` — not stored, which would leave a hole in the history the device holds.
 * Newest first, cut to `limit`.
 */
import type { Message } from '../../model/message.ts';
import type { LocalMessage, SearchHit } from '../api.ts';
import { mergeServerCopy } from '../down/merge-rules.ts';
import { toLocalMessage } from '../local/local-db.ts';
import { newestFirst } from '../local/search-order.ts';

/** A server copy as the UI reads messages: the row the device would store for it (merge-rules.ts), not stored. */
export const fromServer = (m: Message, me: string): LocalMessage => toLocalMessage(mergeServerCopy(undefined, m, me));

export function mergeHits(me: string, device: readonly LocalMessage[], server: readonly Message[] | null, limit: number): SearchHit[] {
  const onServer = new Set((server ?? []).map((m) => m.id));
  const hits: SearchHit[] = device.map((message) => ({ message, source: message.id !== null && onServer.has(message.id) ? 'both' : 'device' }));
  const held = new Set(device.flatMap((m) => (m.id === null ? [] : [m.id])));
  const heldKeys = new Set(device.map((m) => m.key));
  for (const m of server ?? []) {
    const message = fromServer(m, me);
    // Held by id, or by key (the device's row of it acked meanwhile, or a server id the device has not seen yet).
    if (held.has(m.id) || heldKeys.has(message.key)) continue;
    hits.push({ message, source: 'server' });
  }
  return hits.sort((a, b) => newestFirst(a.message, b.message)).slice(0, limit);
}
