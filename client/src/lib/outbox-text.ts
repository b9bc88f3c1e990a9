import { t } from '../i18n/index.ts';

/**
 * What the outbox holds, in words: "2 messages and 1 change". The outbox queues new messages
 * and also reactions, edits and deletes (the engine's `outboxActions`); calling those
 * "messages" would announce messages the user never wrote. Empty string when nothing waits.
 */
export function outboxText(outboxSize: number, outboxActions: number): string {
  const changes = Math.max(0, Math.min(outboxActions, outboxSize));
  const messages = outboxSize - changes;
  const parts = [messages > 0 ? t('conversations.outbox.messages', { n: messages }, messages) : '', changes > 0 ? t('conversations.outbox.changes', { n: changes }, changes) : ''];
  const [a, b] = parts.filter(Boolean);
  return a && b ? t('conversations.outbox.both', { a, b }) : (a ?? '');
}
