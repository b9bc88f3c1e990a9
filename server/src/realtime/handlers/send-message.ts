import { bindUpEvent, NO_REPLY } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `send-message` → group commit → ack `{ ok: true, message }` → `new-message`
 * to the recipient and the sender's other sockets. A repeated clientId acks the
 * stored message again (the store dedupes), so a client may resend freely.
 */
export function registerSendMessage({ socket, userId, services, log }: HandlerContext): void {
  const { sends, hooks } = services;
  bindUpEvent(socket, 'send-message', async (input, reply) => {
    const outcome = await sends.send(userId, input);
    if (hooks.afterStoreBeforeAck?.(socket.id, outcome.message) === 'drop') {
      sends.announce(outcome, socket.id);
      // Cut the transport like a network failure would: the client sees "transport close" and its
      // reconnection logic runs (socket.disconnect() would look like a deliberate server kick,
      // after which Socket.io clients do not reconnect by themselves).
      socket.conn.close();
      return NO_REPLY;
    }
    // Ack first: the sender learns id/seq before any receipt for the message can reach it.
    reply({ ok: true, message: outcome.message });
    sends.announce(outcome, socket.id);
    return NO_REPLY;
  }, log);
}
