import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `typing` / `typing-stopped` { to }. Fire-and-forget: typing to yourself or to
 * an unknown user is ignored silently (an ack, if one was asked for, says ok).
 */
export function registerTyping({ socket, userId, services, log }: HandlerContext): void {
  const { typing, users } = services;
  bindUpEvent(socket, 'typing', async ({ to }) => {
    if (to === userId || !(await users.exists(to))) return;
    typing.start(userId, to);
  }, log);
  bindUpEvent(socket, 'typing-stopped', ({ to }) => {
    typing.stop(userId, to);
  }, log);
}
