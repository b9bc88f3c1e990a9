import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { messageStatusSchema } from '../status.ts';
import { textSchema } from '../text.ts';
import { userIdSchema } from './user.ts';

export const clientIdSchema = z
  .string()
  .min(LIMITS.clientIdMin)
  .max(LIMITS.clientIdMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'only A-Z, a-z, 0-9, "_" and "-"');

/** The body is stored trimmed; 1..4096 code points after trimming, well-formed UTF-16 (text.ts). */
export const messageBodySchema = textSchema(LIMITS.bodyMinChars, LIMITS.bodyMaxChars);

export const conversationIdSchema = z.string().min(1).max(200);

/** A message as the server stores and sends it. */
export const messageSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  conversationId: z.string(),
  senderId: z.string(),
  recipientId: z.string(),
  body: z.string(),
  seq: z.number().int().positive(),
  createdAt: z.string(),
  status: messageStatusSchema,
});
export type Message = z.infer<typeof messageSchema>;

export const sendMessageInputSchema = z.object({
  clientId: clientIdSchema,
  to: userIdSchema,
  body: messageBodySchema,
});
export type SendMessageInput = z.infer<typeof sendMessageInputSchema>;
