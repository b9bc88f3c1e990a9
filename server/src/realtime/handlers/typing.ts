import { typingPayloadSchema } from '@pigeon/sync-protocol';
import { bindHandler } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `typing` / `typing-stopped` { to }. Fire-and-forget: typing to yourself or to
 * an unknown user is ignored silently (an ack, if one was asked for, says ok).
 */
export function registerTyping({ socket, userId, services, log }: HandlerContext): void {
  const { typing, users } = services;
  bindHandler(socket, 'typing', typingPayloadSchema, async ({ to }) => {
    if (to === userId || !(await users.exists(to))) return;
    typing.start(userId, to);
  }, log);
  bindHandler(socket, 'typing-stopped', typingPayloadSchema, ({ to }) => {
    typing.stop(userId, to);
  }, log);
}
