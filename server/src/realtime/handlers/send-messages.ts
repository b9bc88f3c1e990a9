import { storedOf, toBatchResults } from '../../messages/batch-results.ts';
import { bindUpEvent, NO_REPLY } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `send-messages` (extension, batched sends: sync-protocol events/send-batch.ts) → one run of the
 * group commit → ack `{ ok: true, results }` (a prefix of the batch, in order) → `new-message`
 * for each newly stored message, as `send-message` does for one. A batch sent again (its ack was
 * lost) acks the stored messages again (the store dedupes each clientId).
 */
export function registerSendMessages({ socket, userId, services, log }: HandlerContext): void {
  const { sends, hooks } = services;
  bindUpEvent(socket, 'send-messages', async ({ messages }, reply) => {
    const answers = await sends.sendBatch(userId, messages);
    const stored = storedOf(answers);
    // Asked for every stored message (as send-message asks for each), then: any 'drop' cuts the link.
    const drops = stored.map((o) => hooks.afterStoreBeforeAck?.(socket.id, o.message));
    if (drops.includes('drop')) {
      for (const o of stored) sends.announce(o, socket.id);
      // Like a network failure (send-message.ts): the sender hears nothing and sends the batch again.
      socket.conn.close();
      return NO_REPLY;
    }
    // Ack first: the sender learns ids/seqs before any receipt for them can reach it.
    reply({ ok: true, results: toBatchResults(answers, log) });
    for (const o of stored) sends.announce(o, socket.id);
    return NO_REPLY;
  }, log);
}
