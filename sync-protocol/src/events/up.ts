/** Client → server Socket.io events: one schema per payload, types inferred. */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { conversationIdSchema, sendMessageInputSchema } from '../model/message.ts';
import { deleteMessagePayloadSchema, editMessagePayloadSchema, hideMessagePayloadSchema, reactPayloadSchema } from '../model/message-action.ts';
import { userIdSchema } from '../model/user.ts';
import { sendMessagesPayloadSchema } from './send-batch.ts';
import { lazySchema } from '../lazy-schema.ts';

export * from './send-batch.ts';

export const sendMessagePayloadSchema = lazySchema(() => sendMessageInputSchema);
export type SendMessagePayload = z.infer<typeof sendMessagePayloadSchema>;

export const messageReceivedPayloadSchema = lazySchema(() =>
  z.object({
    messageIds: z.array(z.string().min(1).max(64)).min(1).max(LIMITS.receiptIdsMax),
  }),
);
export type MessageReceivedPayload = z.infer<typeof messageReceivedPayloadSchema>;

export const messageReadPayloadSchema = lazySchema(() =>
  z.object({
    conversationId: conversationIdSchema,
    upToSeq: z.number().int().positive(),
  }),
);
export type MessageReadPayload = z.infer<typeof messageReadPayloadSchema>;

/** Typing to one person (v1; their 1:1 conversation). */
export const typingToUserPayloadSchema = lazySchema(() => z.object({ to: userIdSchema }));
/** Typing in a conversation (v2): a group's members, or a 1:1 conversation's peer. */
export const typingInConversationPayloadSchema = lazySchema(() =>
  z.object({ conversationId: conversationIdSchema }),
);
export const typingPayloadSchema = lazySchema(() =>
  z.union([typingToUserPayloadSchema, typingInConversationPayloadSchema]),
);
export type TypingPayload = z.infer<typeof typingPayloadSchema>;

export const userStatusPayloadSchema = lazySchema(() => z.object({ userId: userIdSchema }));
export type UserStatusPayload = z.infer<typeof userStatusPayloadSchema>;

export const UP_EVENTS = {
  'send-message': sendMessagePayloadSchema,
  /** Batched sends (extension, send-batch.ts): acked `{ ok: true, results }`. */
  'send-messages': sendMessagesPayloadSchema,
  'message-received': messageReceivedPayloadSchema,
  'message-read': messageReadPayloadSchema,
  typing: typingPayloadSchema,
  'typing-stopped': typingPayloadSchema,
  'user-status': userStatusPayloadSchema,
  // Message actions (contract v2), each acked `{ ok: true, message }` like send-message.
  react: reactPayloadSchema,
  'edit-message': editMessagePayloadSchema,
  'delete-message': deleteMessagePayloadSchema,
  /** Delete for me (extension). */
  'hide-message': hideMessagePayloadSchema,
} as const;
export type UpEventName = keyof typeof UP_EVENTS;
