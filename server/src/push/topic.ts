import { createHash } from 'node:crypto';

/** RFC 8030 caps a Topic at 32 characters of the base64url alphabet. */
export const TOPIC_MAX_CHARS = 32;

/**
 * The push `Topic` of a conversation: a newer push with the same topic replaces one the push
 * service still holds for an offline device, so a phone coming back online gets one notification
 * per chat, not a backlog. A hash, because conversation ids hold characters a topic may not
 * (`g:`, `_`…) and can be longer; 192 bits leave no practical collision.
 */
export function pushTopic(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, TOPIC_MAX_CHARS);
}
