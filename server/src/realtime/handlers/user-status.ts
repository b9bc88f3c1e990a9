import { PigeonError } from '@pigeon/sync-protocol';
import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/** `user-status` { userId } → ack `{ ok: true, online, lastSeen }`; NOT_FOUND for an unknown user. */
export function registerUserStatus({ socket, services, log }: HandlerContext): void {
  bindUpEvent(socket, 'user-status', async ({ userId }) => {
    const status = await services.presence.status(userId);
    if (!status) throw new PigeonError('NOT_FOUND', 'userId: no such user');
    return { ok: true, online: status.online, lastSeen: status.lastSeen };
  }, log);
}
