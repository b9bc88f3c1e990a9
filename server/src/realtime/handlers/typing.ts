import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `typing` / `typing-stopped` { to }. Fire-and-forget: typing to yourself, to an
 * unknown user, or to someone the Audience does not allow (no shared conversation, a
 * block either way) is ignored silently (an ack, if one was asked for, says ok), so
 * the answer reveals nothing about the other person.
 */
export function registerTyping({ socket, userId, services, log }: HandlerContext): void {
  const { typing, users } = services;
  bindUpEvent(socket, 'typing', async ({ to }) => {
    if (to === userId || !(await users.exists(to))) return;
    if (!(await services.audience.canSee(to, userId))) return;
    typing.start(userId, to);
  }, log);
  bindUpEvent(socket, 'typing-stopped', ({ to }) => {
    typing.stop(userId, to);
  }, log);
}
