import { z } from 'zod';
import { messageSchema } from './message.ts';
import { userSchema } from './user.ts';

export const conversationSummarySchema = z.object({
  id: z.string(),
  peer: userSchema,
  lastMessage: messageSchema.nullable(),
  unreadCount: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;
