import { conversationPeer, type TypingPayload } from '@pigeon/sync-protocol';
import { isGroupId } from '../../groups/memberships.ts';
import { bindUpEvent } from '../bind-handler.ts';
import type { HandlerContext } from './context.ts';

/**
 * `typing` / `typing-stopped` `{ to }` (a person) or `{ conversationId }` (a group, or a 1:1
 * conversation). Fire-and-forget: typing to yourself, to an unknown user, to someone the
 * Audience does not allow (no shared conversation, a block either way), or in a group the
 * typist is not a member of, is ignored silently (an ack, if one was asked for, says ok),
 * so the answer reveals nothing about the other person or the group.
 */
export function registerTyping({ socket, userId, services, log }: HandlerContext): void {
  const { typing, users, memberships } = services;
  bindUpEvent(socket, 'typing', async (payload) => {
    const target = targetOf(payload, userId);
    if (target === null) return;
    if (target.group) {
      if (await memberships.isMember(target.id, userId)) typing.start(userId, target.id);
      return;
    }
    const to = target.id;
    if (to === userId || !(await users.exists(to))) return;
    if (!(await services.audience.canSee(to, userId))) return;
    typing.start(userId, to);
  }, log);
  bindUpEvent(socket, 'typing-stopped', (payload) => {
    // Stopping only ends an indicator this user started, so it needs no check.
    const target = targetOf(payload, userId);
    if (target !== null) typing.stop(userId, target.id);
  }, log);
}

/** The tracker's target: a group's id, or the other person; null for a conversation that is neither of the user's. */
function targetOf(payload: TypingPayload, userId: string): { id: string; group: boolean } | null {
  if ('to' in payload) return { id: payload.to, group: false };
  if (isGroupId(payload.conversationId)) return { id: payload.conversationId, group: true };
  const peer = conversationPeer(payload.conversationId, userId);
  return peer === null ? null : { id: peer, group: false };
}
