import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { messageStatusSchema } from '../status.ts';
import { textSchema } from '../text.ts';
import { attachmentIdSchema, attachmentSchema, reactionSchema, replyRefSchema } from './message-parts.ts';
import { systemEventSchema } from './system-event.ts';
import { userIdSchema } from './user.ts';
import { lazySchema } from '../lazy-schema.ts';

export const clientIdSchema = lazySchema(() =>
  z
    .string()
    .min(LIMITS.clientIdMin)
    .max(LIMITS.clientIdMax)
    .regex(/^[A-Za-z0-9_-]+$/, 'only A-Z, a-z, 0-9, "_" and "-"'),
);

/** The body is stored trimmed; 1..4096 code points after trimming, well-formed UTF-16 (text.ts). */
export const messageBodySchema = lazySchema(() => textSchema(LIMITS.bodyMinChars, LIMITS.bodyMaxChars));
/** The body of a message with attachments: a caption, possibly empty. */
const captionSchema = lazySchema(() => textSchema(0, LIMITS.bodyMaxChars));

export const conversationIdSchema = lazySchema(() => z.string().min(1).max(200));
export const messageIdSchema = lazySchema(() => z.string().min(1).max(64));

/**
 * A message as the server stores and sends it. In a group, `recipientId` is the group's
 * conversation id (there is no single recipient; v1 clients still get a string), and
 * `status` is the aggregate over the other members (docs/architecture.md, "Groups").
 * `type` is `text` unless the message records a group change (`system`); a message without
 * it (cached by a v1 client) is text.
 *
 * Contract v2 ("Message actions"): the server always sends `replyTo`, `reactions`, `editedAt`,
 * `deletedAt`, `attachments` and `version`; they are optional here only so that a copy cached
 * by an older client still parses (absent = null / [] / 0). A message deleted for everyone keeps
 * id and seq, with body '' and no attachments, reactions or replyTo.
 *  - `version` (extension): how many times its content (body, reactions, deletion, the quote of a
 *    reply) changed; a copy with a higher version is newer, whatever order copies arrive in.
 *    Status changes do not count: status has its own forward-only rule.
 *  - `hiddenAt` (extension): set only in copies sent to a user who deleted it for themself
 *    ("delete for me"), in their own feed; once set on a device it stays.
 */
export const messageSchema = lazySchema(() =>
  z.object({
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
    replyTo: replyRefSchema.nullable().optional(),
    reactions: z.array(reactionSchema).optional(),
    editedAt: z.string().nullable().optional(),
    deletedAt: z.string().nullable().optional(),
    attachments: z.array(attachmentSchema).optional(),
    version: z.number().int().nonnegative().optional(),
    hiddenAt: z.string().nullable().optional(),
  }),
);
export type Message = z.infer<typeof messageSchema>;

/**
 * `{ clientId, to, body }` (1:1, v1) or `{ clientId, conversationId, body }` (any conversation, v2);
 * `replyTo` (v2): the id of a message of the same conversation this one answers.
 * `attachmentIds` (v2): 1..10 distinct ids of the sender's own uploads, in the order shown; the body
 * is then a caption and may be empty ('' after trimming), else it must not be.
 */
export const sendMessageInputSchema = lazySchema(() =>
  z
    .object({
      clientId: clientIdSchema,
      to: userIdSchema.optional(),
      conversationId: conversationIdSchema.optional(),
      body: captionSchema,
      replyTo: messageIdSchema.optional(),
      attachmentIds: z
        .array(attachmentIdSchema)
        .min(1)
        .max(LIMITS.attachmentsPerMessageMax)
        .refine((ids) => new Set(ids).size === ids.length, 'each attachment once')
        .optional(),
    })
    .refine((s) => (s.to === undefined) !== (s.conversationId === undefined), {
      message: 'exactly one of "to" or "conversationId" is required',
    })
    .refine((s) => s.body !== '' || (s.attachmentIds?.length ?? 0) > 0, { message: 'must not be empty', path: ['body'] }),
);
export type SendMessageInput = z.infer<typeof sendMessageInputSchema>;

/**
 * The message with every v2 field present (null / [] / 0 where absent): what the server sends,
 * whatever store or older row it came from.
 */
export function withMessageDefaults(m: Message): Message {
  return {
    ...m,
    type: m.type ?? 'text',
    replyTo: m.replyTo ?? null,
    reactions: m.reactions ?? [],
    editedAt: m.editedAt ?? null,
    deletedAt: m.deletedAt ?? null,
    attachments: m.attachments ?? [],
    version: m.version ?? 0,
  };
}
