import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { messageStatusSchema } from '../status.ts';
import { textSchema } from '../text.ts';
import { systemEventSchema } from './system-event.ts';
import { userIdSchema } from './user.ts';

export const clientIdSchema = z
  .string()
  .min(LIMITS.clientIdMin)
  .max(LIMITS.clientIdMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'only A-Z, a-z, 0-9, "_" and "-"');

/** The body is stored trimmed; 1..4096 code points after trimming, well-formed UTF-16 (text.ts). */
export const messageBodySchema = textSchema(LIMITS.bodyMinChars, LIMITS.bodyMaxChars);

export const conversationIdSchema = z.string().min(1).max(200);

/**
 * A message as the server stores and sends it. In a group, `recipientId` is the group's
 * conversation id (there is no single recipient; v1 clients still get a string), and
 * `status` is the aggregate over the other members (docs/architecture.md, "Groups").
 * `type` is `text` unless the message records a group change (`system`); a message without
 * it (cached by a v1 client) is text.
 */
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
  type: z.enum(['text', 'system']).optional(),
  system: systemEventSchema.optional(),
});
export type Message = z.infer<typeof messageSchema>;

/** `{ clientId, to, body }` (1:1, v1) or `{ clientId, conversationId, body }` (any conversation, v2). */
export const sendMessageInputSchema = z
  .object({
    clientId: clientIdSchema,
    to: userIdSchema.optional(),
    conversationId: conversationIdSchema.optional(),
    body: messageBodySchema,
  })
  .refine((s) => (s.to === undefined) !== (s.conversationId === undefined), {
    message: 'exactly one of "to" or "conversationId" is required',
  });
export type SendMessageInput = z.infer<typeof sendMessageInputSchema>;
