import { AcknowledgedIds } from '../acknowledged-ids.ts';
import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/** `message-received` (device stored them) and `message-read` (user saw them up to a seq). */
export function registerReceipts({ socket, userId, services, log }: HandlerContext): void {
  const { receipts } = services;
  const acknowledged = new AcknowledgedIds();
  bindUpEvent(socket, 'message-received', async ({ messageIds }) => {
    // Ids this socket reported already cost no store call (see AcknowledgedIds).
    const fresh = acknowledged.fresh(messageIds);
    if (fresh.length === 0) return;
    await receipts.delivered(userId, fresh, socket.id);
    acknowledged.add(fresh);
  }, log);
  bindUpEvent(socket, 'message-read', async ({ conversationId, upToSeq }) => {
    await receipts.read(userId, conversationId, upToSeq, socket.id);
  }, log);
}
