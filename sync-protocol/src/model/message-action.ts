/**
 * Message actions (contract v2): react, edit, delete for everyone, and (an extension) delete for
 * me. Each carries its own clientId: the server applies an action once per (actor, clientId), and
 * a retry answers the message's current state.
 */
import { z } from 'zod';
import { clientIdSchema, messageBodySchema, messageIdSchema } from './message.ts';
import { emojiSchema } from './message-parts.ts';
import { lazySchema } from '../lazy-schema.ts';

export const reactPayloadSchema = lazySchema(() =>
  z.object({ clientId: clientIdSchema, messageId: messageIdSchema, emoji: emojiSchema }),
);
export type ReactPayload = z.infer<typeof reactPayloadSchema>;

export const editMessagePayloadSchema = lazySchema(() =>
  z.object({ clientId: clientIdSchema, messageId: messageIdSchema, body: messageBodySchema }),
);
export type EditMessagePayload = z.infer<typeof editMessagePayloadSchema>;

export const deleteMessagePayloadSchema = lazySchema(() =>
  z.object({ clientId: clientIdSchema, messageId: messageIdSchema }),
);
export type DeleteMessagePayload = z.infer<typeof deleteMessagePayloadSchema>;

/** Delete for me (extension): hidden on every device of the actor, nobody else is told. */
export const hideMessagePayloadSchema = lazySchema(() => deleteMessagePayloadSchema);
export type HideMessagePayload = DeleteMessagePayload;

// REST bodies: the message id is in the path.
export const reactBodySchema = lazySchema(() => reactPayloadSchema.omit({ messageId: true }));
export const editMessageBodySchema = lazySchema(() => editMessagePayloadSchema.omit({ messageId: true }));
export const deleteMessageQuerySchema = lazySchema(() => z.object({ clientId: clientIdSchema }));
export const hideMessageBodySchema = lazySchema(() => z.object({ clientId: clientIdSchema }));

/** An action as the engine queues it and a store applies it, without who and when. */
export type MessageAction = { kind: 'react'; emoji: string } | { kind: 'edit'; body: string } | { kind: 'delete' } | { kind: 'hide' };
export type MessageActionKind = MessageAction['kind'];
