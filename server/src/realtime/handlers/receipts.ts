import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/** `message-received` (device stored them) and `message-read` (user saw them up to a seq). */
export function registerReceipts({ socket, userId, services, log }: HandlerContext): void {
  const { receipts } = services;
  bindUpEvent(socket, 'message-received', async ({ messageIds }) => {
    await receipts.delivered(userId, messageIds, socket.id);
  }, log);
  bindUpEvent(socket, 'message-read', async ({ conversationId, upToSeq }) => {
    await receipts.read(userId, conversationId, upToSeq, socket.id);
  }, log);
}
