import { PigeonError } from '@pigeon/sync-protocol';
import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `user-status` { userId } → ack `{ ok: true, online, lastSeen }`; NOT_FOUND for an unknown user.
 * Someone the Audience does not allow (a stranger, a block either way) reads as
 * `{ online: false, lastSeen: null }`: the same answer as a user who never connected.
 */
export function registerUserStatus({ socket, userId: me, services, log }: HandlerContext): void {
  bindUpEvent(socket, 'user-status', async ({ userId: subject }) => {
    if (!(await services.users.exists(subject))) throw new PigeonError('NOT_FOUND', 'userId: no such user');
    if (!(await services.audience.canSee(me, subject))) return { ok: true, online: false, lastSeen: null };
    const status = await services.presence.status(subject);
    if (!status) throw new PigeonError('NOT_FOUND', 'userId: no such user');
    return { ok: true, online: status.online, lastSeen: status.lastSeen };
  }, log);
}
