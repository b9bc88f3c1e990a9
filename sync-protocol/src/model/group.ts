/** Groups (contract v2, "Conversations and groups"): one schema per shape, shared by client and server. */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { textSchema, hasBidiControl } from '../text.ts';
import { clientIdSchema, conversationIdSchema } from './message.ts';
import { userIdSchema } from './user.ts';
import { lazySchema } from '../lazy-schema.ts';

export { systemEventSchema, type SystemEvent } from './system-event.ts';

export const memberRoleSchema = lazySchema(() => z.enum(['admin', 'member']));
export type MemberRole = z.infer<typeof memberRoleSchema>;

/**
 * `sinceSeq` (an extension of the contract's `{ userId, role }`): the seq that (last) made them a
 * member. A group's oldest member is promoted when its last admin leaves, and a device that joined
 * later never saw when the others did: its own guess made itself the admin (chaos seed 1023).
 * Optional: a server without it is read as before.
 */
export const memberSchema = lazySchema(() => z.object({ userId: z.string(), role: memberRoleSchema, sinceSeq: z.number().int().min(0).optional() }));
export type Member = z.infer<typeof memberSchema>;

/** 1..100 code points after trimming, no bidi overrides (like display names). */
export const groupTitleSchema = lazySchema(() =>
  textSchema(1, LIMITS.groupTitleMax).refine((s) => !hasBidiControl(s), 'bidi control characters are not allowed'),
);

/** A user may be a member of a group several times (removed, added again): each span is a period. */
const memberIdsSchema = lazySchema(() => z.array(userIdSchema).min(1).max(LIMITS.groupMembersMax));

/** `POST /api/conversations`: `memberIds` may or may not name the creator; 2..256 members in all. */
export const createGroupBodySchema = lazySchema(() =>
  z.object({
    clientId: clientIdSchema,
    title: groupTitleSchema,
    memberIds: memberIdsSchema,
  }),
);
export type CreateGroupBody = z.infer<typeof createGroupBodySchema>;

/**
 * `PATCH /api/conversations/:id` `{ title }`, `POST …/members` `{ userIds }`. `clientId` is an
 * extension of the contract: with it, a retried change (the outbox's) applies once, because
 * the change's system message is stored once per (actor, clientId).
 */
export const renameGroupBodySchema = lazySchema(() =>
  z.object({ title: groupTitleSchema, clientId: clientIdSchema.optional() }),
);
export const addMembersBodySchema = lazySchema(() =>
  z.object({ userIds: memberIdsSchema, clientId: clientIdSchema.optional() }),
);
export const removeMemberQuerySchema = lazySchema(() => z.object({ clientId: clientIdSchema.optional() }));
/** `PATCH /api/conversations/:id/members/:userId` `{ role: 'admin' }` (extension: "make admin"; admins only). */
export const promoteMemberBodySchema = lazySchema(() =>
  z.object({ role: z.literal('admin'), clientId: clientIdSchema.optional() }),
);
export const conversationParamSchema = lazySchema(() => z.object({ id: conversationIdSchema }));
