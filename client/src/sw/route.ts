/**
 * The chat a URL shows, in the PWA's hash route (composables/useHashRoute.ts: `#/c/<id>`,
 * the id URI-encoded). The service worker has no Vue: this module is its copy of the rule, and
 * route.test.ts checks it against useHashRoute's `conversationHref` so the two cannot drift.
 */
const PREFIX = '#/c/';

/** `#/c/<id>`: what `location.hash` is while the chat is open. */
export const chatHash = (conversationId: string): string => `${PREFIX}${encodeURIComponent(conversationId)}`;

/** The URL that opens the chat in the app at `scope` (the service worker's scope, e.g. `https://host/`). */
export const chatUrl = (scope: string, conversationId: string): string => new URL(`./${chatHash(conversationId)}`, scope).href;

/** The chat open at `url`, or null (the list, the Devices view, another page, a malformed id). */
export function conversationIdOf(url: string): string | null {
  let hash: string;
  try {
    hash = new URL(url).hash;
  } catch {
    return null;
  }
  if (!hash.startsWith(PREFIX)) return null;
  try {
    return decodeURIComponent(hash.slice(PREFIX.length));
  } catch {
    return null;
  }
}
