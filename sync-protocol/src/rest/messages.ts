import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { conversationSummarySchema } from '../model/conversation.ts';
import { conversationIdSchema, messageSchema } from '../model/message.ts';
import { userIdSchema } from '../model/user.ts';
import { lazySchema } from '../lazy-schema.ts';

export { sendMessageInputSchema as sendMessageBodySchema } from '../model/message.ts';

export const historyQuerySchema = lazySchema(() =>
  z
    .object({
      with: userIdSchema.optional(),
      id: conversationIdSchema.optional(),
      before: z.string().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(LIMITS.historyPageMax).default(LIMITS.historyPageDefault),
    })
    .refine((q) => (q.with === undefined) !== (q.id === undefined), {
      message: 'exactly one of "with" or "id" is required',
    }),
);
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const historyResponseSchema = lazySchema(() =>
  z.object({
    messages: z.array(messageSchema),
    nextCursor: z.string().nullable(),
  }),
);
export type HistoryResponse = z.infer<typeof historyResponseSchema>;

export const sendMessageResponseSchema = lazySchema(() => z.object({ message: messageSchema }));

export const conversationsResponseSchema = lazySchema(() =>
  z.object({ conversations: z.array(conversationSummarySchema) }),
);
export type ConversationsResponse = z.infer<typeof conversationsResponseSchema>;

/** `POST /api/messages/batch` (extension): the body is the `send-messages` payload, the answer `{ results }` (events/send-batch.ts). */
export { sendMessagesPayloadSchema as sendMessagesBodySchema } from '../events/send-batch.ts';
