/**
 * The in-memory server's group requests (contract v2), answered as the real server answers them:
 * POST /api/conversations → `{ conversation }` (201, or 200 with the same group for a retry);
 * PATCH /api/conversations/:id, POST …/members, DELETE …/members/:userId → `{ conversation,
 * message | null }`; GET /api/conversations/:id → `{ conversation }` (members only). Each system
 * message goes out as `new-message` to every member (and to a removed one: their removal), then
 * `conversation-updated` with the group as it is now, and the statuses a change moved as `message-status`.
 */
import { createGroupBodySchema, groupTitleSchema } from '../model/group.ts';
import { userIdSchema } from '../model/user.ts';
import { clientIdSchema } from '../model/message.ts';
import type { GroupChange } from '../engine/transport/transport.ts';
import { parseOrThrow } from '../validate.ts';
import { z } from 'zod';
import { fail } from './fail.ts';
import type { GroupOutcome, MemoryGroups } from './memory-groups.ts';
import type { MemoryRealtime } from './memory-realtime.ts';

const GROUP_OPS = ['createGroup', 'changeGroup', 'conversation', 'messageReceipts'] as const;
export type GroupOp = (typeof GROUP_OPS)[number];
export const isGroupOp = (op: string): op is GroupOp => (GROUP_OPS as readonly string[]).includes(op);

export interface GroupOpDeps {
  groups: MemoryGroups;
  realtime: MemoryRealtime;
  hasUser(userId: string): boolean;
}

const changeInputSchema = z.object({
  id: z.string().min(1),
  clientId: clientIdSchema,
  change: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rename'), title: groupTitleSchema }),
    z.object({ kind: z.literal('add'), userIds: z.array(userIdSchema).min(1) }),
    z.object({ kind: z.literal('remove'), userId: userIdSchema }),
  ]),
});

export function handleGroupOp(op: GroupOp, me: string, input: unknown, deps: GroupOpDeps): unknown {
  const { groups } = deps;
  switch (op) {
    case 'createGroup': {
      const body = parseOrThrow(createGroupBodySchema, input);
      const { conversation } = answer(me, groups.create(me, body.clientId, body.title, body.memberIds, deps.hasUser), deps);
      return { conversation };
    }
    case 'changeGroup': {
      const { id, clientId, change } = parseOrThrow(changeInputSchema, input);
      return answer(me, groups.change(me, id, change as GroupChange, clientId, deps.hasUser), deps);
    }
    case 'messageReceipts': {
      const id = String((input as { id?: unknown } | null)?.id ?? '');
      return { receipts: groups.receipts(me, id) };
    }
    case 'conversation': {
      const id = String((input as { id?: unknown } | null)?.id ?? '');
      if (!groups.isGroup(id)) throw fail('NOT_FOUND', 'no such conversation');
      if (!groups.isMember(id, me)) throw fail('FORBIDDEN', 'not a member of this conversation');
      return { conversation: groups.summary(id, me) };
    }
  }
}

/** Pushes what a stored change needs pushed, and answers it. */
function answer(me: string, outcome: GroupOutcome, { groups, realtime }: GroupOpDeps) {
  const { conversationId, message, created, audience, raised = [] } = outcome;
  if (created && message) {
    realtime.emit(audience, 'new-message', { message });
    const conversation = { id: conversationId, type: 'group' as const, ...groups.state(conversationId), updatedAt: message.createdAt };
    realtime.emit(audience, 'conversation-updated', { conversation });
  }
  for (const status of ['delivered', 'read'] as const) {
    realtime.pushStatus(me, raised.filter((m) => m.status === status && m.id !== message?.id), status);
  }
  return { conversation: groups.summary(conversationId, me), message };
}
