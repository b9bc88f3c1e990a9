/**
 * The chat a window shows and the URL that opens one, by the app's own hash rules
 * (lib/hash-route.ts, pure: `#/c/<id>`, `#/c/<id>/m/<messageId>`), so the worker and the
 * router cannot disagree.
 */
import { chatHash, parseHash } from '../lib/hash-route.ts';

export { chatHash };

/** The URL that opens the chat in the app at `scope` (the service worker's scope, e.g. `https://host/`). */
export const chatUrl = (scope: string, conversationId: string): string => new URL(`./${chatHash(conversationId)}`, scope).href;

/** The chat open at `url` (at a message too), or null (the list, the Devices view, a malformed id). */
export function conversationIdOf(url: string): string | null {
  let hash: string;
  try {
    hash = new URL(url).hash;
  } catch {
    return null;
  }
  const parsed = parseHash(hash);
  return parsed.view === 'chat' ? parsed.conversationId : null;
}
