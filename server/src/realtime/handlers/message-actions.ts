import type { MessageAction } from '@pigeon/sync-protocol';
import { bindUpEvent, NO_REPLY, type Reply } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * Message actions (contract v2): `react`, `edit-message`, `delete-message`, and `hide-message`
 * (delete for me, extension). Each is validated by its UP_EVENTS schema (bindUpEvent), goes
 * through ActionService (send budget, block rule, group commit), and is acked
 * `{ ok: true, message }` with the message's state after it, or `{ ok: false, code, message }`.
 * A retry with the same clientId acks the current state again and announces nothing.
 */
export function registerMessageActions({ socket, userId, services, log }: HandlerContext): void {
  const { actions } = services;
  /** Ack first, then `message-updated` to the others, as send-message does: the actor learns the new version before anyone else can answer it. */
  const act = async (messageId: string, clientId: string, action: MessageAction, reply: Reply) => {
    const result = await actions.act(userId, messageId, clientId, action);
    reply({ ok: true, message: result.message });
    actions.announce(userId, result, socket.id);
    return NO_REPLY;
  };
  bindUpEvent(socket, 'react', ({ clientId, messageId, emoji }, reply) => act(messageId, clientId, { kind: 'react', emoji }, reply), log);
  bindUpEvent(socket, 'edit-message', ({ clientId, messageId, body }, reply) => act(messageId, clientId, { kind: 'edit', body }, reply), log);
  bindUpEvent(socket, 'delete-message', ({ clientId, messageId }, reply) => act(messageId, clientId, { kind: 'delete' }, reply), log);
  bindUpEvent(socket, 'hide-message', ({ clientId, messageId }, reply) => act(messageId, clientId, { kind: 'hide' }, reply), log);
}
