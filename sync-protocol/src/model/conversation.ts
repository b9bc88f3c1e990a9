import { z } from 'zod';
import { memberSchema } from './group.ts';
import { messageSchema } from './message.ts';
import { userSchema } from './user.ts';
import { lazySchema } from '../lazy-schema.ts';

/**
 * A conversation as `GET /api/messages/conversations` and `GET /api/conversations/:id` return
 * it (contract v2). `peer` only for `direct` (the other user); `title` is the group's title,
 * and for a direct conversation the peer's display name. `members` are the current members.
 */
export const conversationSummarySchema = lazySchema(() =>
  z.object({
    id: z.string(),
    type: z.enum(['direct', 'group']),
    title: z.string(),
    members: z.array(memberSchema),
    peer: userSchema.optional(),
    lastMessage: messageSchema.nullable(),
    unreadCount: z.number().int().nonnegative(),
    updatedAt: z.string(),
    /**
     * Group only (an extension of the contract): the viewer's read position, the seq up to which they
     * read the group (on any device), so their other devices clear what was read there.
     */
    readSeq: z.number().int().nonnegative().optional(),
    /**
     * Group only (an extension of the contract): the viewer's delivered position, the seq up to which
     * their devices stored the group (read implies delivered, so never below `readSeq`), so a device
     * that lost its own receipts knows which of others' messages the account already got.
     */
    deliveredSeq: z.number().int().nonnegative().optional(),
    /** Extension: the viewer muted this chat (no push; model/notifications.ts). Absent = not muted. */
    muted: z.boolean().optional(),
  }),
);
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

/**
 * A conversation as every member sees it (`conversation-updated`): without `lastMessage` and
 * `unreadCount`, which differ per member and arrive with the messages themselves.
 */
export const conversationStateSchema = lazySchema(() =>
  conversationSummarySchema.pick({ id: true, type: true, title: true, members: true, updatedAt: true }),
);
export type ConversationState = z.infer<typeof conversationStateSchema>;

export const conversationResponseSchema = lazySchema(() =>
  z.object({ conversation: conversationSummarySchema }),
);
export type ConversationResponse = z.infer<typeof conversationResponseSchema>;

/** The answer to a group change: the conversation after it, and the system message recording it (null: nothing changed). */
export const groupChangeResponseSchema = lazySchema(() =>
  z.object({
    conversation: conversationSummarySchema,
    message: messageSchema.nullable(),
  }),
);
export type GroupChangeResponse = z.infer<typeof groupChangeResponseSchema>;

/** `GET /api/messages/:id/receipts`: each other member of the message's period, when their devices got it and read it. */
export const receiptsResponseSchema = lazySchema(() =>
  z.object({
    receipts: z.array(z.object({ userId: z.string(), deliveredAt: z.string().nullable(), readAt: z.string().nullable() })),
  }),
);
export type ReceiptsResponse = z.infer<typeof receiptsResponseSchema>;

