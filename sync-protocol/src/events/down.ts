/** Server → client Socket.io events and acks. */
import { z } from 'zod';
import { failedAckSchema } from '../errors.ts';
import { conversationStateSchema } from '../model/conversation.ts';
import { messageSchema } from '../model/message.ts';
import { userSchema } from '../model/user.ts';
import { messageStatusSchema } from '../status.ts';
import { lazySchema } from '../lazy-schema.ts';

export const newMessageEventSchema = lazySchema(() => z.object({ message: messageSchema }));
export type NewMessageEvent = z.infer<typeof newMessageEventSchema>;

/**
 * A message's content changed (contract v2: a reaction, an edit, a delete for everyone; and the
 * quote of a reply whose original was deleted): to every member's sockets, the acting one
 * excepted, with its latest state. Delete for me (extension) sends it to the actor's other sockets
 * only, with `hiddenAt` set. Apply by `version` (model/message.ts), never by arrival order.
 */
export const messageUpdatedEventSchema = lazySchema(() => z.object({ message: messageSchema }));
export type MessageUpdatedEvent = z.infer<typeof messageUpdatedEventSchema>;

export const messageStatusEventSchema = lazySchema(() =>
  z.object({
    messageIds: z.array(z.string()),
    conversationId: z.string(),
    status: messageStatusSchema,
    at: z.string(),
  }),
);
export type MessageStatusEvent = z.infer<typeof messageStatusEventSchema>;

export const typingEventSchema = lazySchema(() =>
  z.object({ from: z.string(), conversationId: z.string() }),
);
export type TypingEvent = z.infer<typeof typingEventSchema>;

/**
 * A group's title or members changed (an extension of the contract): to every member's sockets,
 * the members it removed included (they learn they are out). What the group is now; the change
 * itself is a system message, which arrives as `new-message` just before.
 */
export const conversationUpdatedEventSchema = lazySchema(() =>
  z.object({ conversation: conversationStateSchema }),
);
export type ConversationUpdatedEvent = z.infer<typeof conversationUpdatedEventSchema>;

/**
 * The user read a group up to `readSeq` on another device (an extension of the contract): to the
 * reader's other sockets after a group `message-read`. A group message's status is the aggregate
 * over the members, so it does not change for a read alone: this is how the reader's other devices
 * learn that everything of others up to `readSeq` is read. Positions only move forward.
 */
export const readPositionEventSchema = lazySchema(() =>
  z.object({ conversationId: z.string(), readSeq: z.number().int().nonnegative() }),
);
export type ReadPositionEvent = z.infer<typeof readPositionEventSchema>;

/** A user's profile changed (extension, rest/profile.ts): to their other sockets and to the people who share a conversation with them. */
export const userUpdatedEventSchema = lazySchema(() => z.object({ user: userSchema }));
export type UserUpdatedEvent = z.infer<typeof userUpdatedEventSchema>;

export const presenceEventSchema = lazySchema(() =>
  z.object({ userId: z.string(), lastSeen: z.string().optional() }),
);
export type PresenceEvent = z.infer<typeof presenceEventSchema>;

/**
 * The server lost events it could not deliver (its Redis link to the other nodes was down
 * and is back): the client should run one catch-up through `GET /api/sync`. `reason` says
 * why (today always `redis-recovered`); clients must accept any string.
 */
export const syncHintEventSchema = lazySchema(() => z.object({ reason: z.string() }));
export type SyncHintEvent = z.infer<typeof syncHintEventSchema>;

export const sendMessageAckSchema = lazySchema(() =>
  z.union([
    z.object({ ok: z.literal(true), message: messageSchema }),
    failedAckSchema,
  ]),
);
export type SendMessageAck = z.infer<typeof sendMessageAckSchema>;
/** The ack of react, edit-message, delete-message and hide-message: the message's new state. */
export const messageActionAckSchema = lazySchema(() => sendMessageAckSchema);
export type MessageActionAck = SendMessageAck;

export const okAckSchema = lazySchema(() => z.union([z.object({ ok: z.literal(true) }), failedAckSchema]));
export type OkAck = z.infer<typeof okAckSchema>;

export const userStatusAckSchema = lazySchema(() =>
  z.union([
    z.object({ ok: z.literal(true), online: z.boolean(), lastSeen: z.string().nullable() }),
    failedAckSchema,
  ]),
);
export type UserStatusAck = z.infer<typeof userStatusAckSchema>;
