/**
 * The app's screens as URL hashes, parsed and built in one place: `#/c/<id>` a chat,
 * `#/c/<id>/m/<messageId>` a chat opened at one message (a search result), `#/devices`.
 * Anything else is the list. A hash is user input (a shared or typed link): a malformed
 * percent-encoding must not throw, it is simply not a chat.
 */

export type ParsedHash =
  | { view: 'list' }
  | { view: 'devices' }
  | { view: 'chat'; conversationId: string; messageId: string | null };

const CHAT = '#/c/';
const MESSAGE = '/m/';
export const DEVICES_HASH = '#/devices';

/** decodeURIComponent, or null for a malformed sequence ("%E0%A4%A", "%zz"). */
function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parseHash(hash: string): ParsedHash {
  if (hash === DEVICES_HASH) return { view: 'devices' };
  if (!hash.startsWith(CHAT)) return { view: 'list' };
  // Ids are written encoded (a '/' in one is %2F), so the first raw "/m/" is the separator.
  const rest = hash.slice(CHAT.length);
  const at = rest.indexOf(MESSAGE);
  const conversationId = decode(at === -1 ? rest : rest.slice(0, at));
  if (!conversationId) return { view: 'list' };
  const messageId = at === -1 ? null : decode(rest.slice(at + MESSAGE.length));
  return { view: 'chat', conversationId, messageId: messageId || null };
}

export function chatHash(conversationId: string, messageId?: string | null): string {
  const chat = `${CHAT}${encodeURIComponent(conversationId)}`;
  return messageId ? `${chat}${MESSAGE}${encodeURIComponent(messageId)}` : chat;
}
