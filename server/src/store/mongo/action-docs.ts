import type { Message, MessageActionKind } from '@pigeon/sync-protocol';
import { toMessage, type ContentDoc, type LogDoc, type MessageDoc } from './documents.ts';
import { messageIdFor } from './message-id.ts';

/**
 * Message actions (contract v2) in the `messages` change log, beside messages and receipt entries.
 *
 * Every recorded action is one *action entry*, `_id` derived from (actor, clientId), so a replay,
 * on any node, is refused by `_id` and answered as a replay; a refused action records nothing.
 * An entry is one of:
 *  - `content`: the message's content after the action (`content`), at version V. Its
 *    `(conversationId, seq)` is `(v:<messageId>, V)`: the unique index that numbers a conversation's
 *    messages also lets only one entry ever be version V of a message, so two nodes changing one
 *    message at once cannot both build on version V − 1 (actions.ts). It takes a change-log
 *    position and is in the feed of everyone who sees the message: the 1:1 pair (its sender and
 *    recipient are the message's), or the group's members whose periods hold `messageSeq`.
 *  - `hide` (delete for me): in the actor's feed only (sender and recipient are the actor, no
 *    group). It changes no version.
 *  - `none`: an accepted action that changed nothing, recorded so that its replay stays a no-op.
 *    It takes a position nobody's feed reads (its sender and recipient are '').
 * The message document is then updated (`content`, or `hidden`): the entries are the
 * commit and the truth, the document a cache of them that every read catches up with the
 * entries (entry-truth.ts; action-apply.ts for why it can be behind).
 *
 * A delete for everyone also empties the quote of each reply to it: a `content` entry of the
 * reply with `_id` `q:<replyId>` (a reply quotes one message, deleted at most once).
 */

export type { ContentDoc } from './documents.ts';

export interface ActionDoc extends LogDoc {
  kind: 'action';
  /** What was asked (`quote`: the emptying of a reply's quote by a delete). */
  action: MessageActionKind | 'quote';
  change: 'content' | 'hide' | 'none';
  messageId: string;
  actorId: string;
  /** Entries about group messages: the message's seq, so a member's feed keeps to their periods. */
  messageSeq?: number;
  /** `content` entries: the message's content from this version on. */
  content?: ContentDoc;
}

export const isAction = (d: LogDoc): d is ActionDoc => (d as ActionDoc).kind === 'action';

/** A message document (not a receipt or action entry). */
export const isMessageDoc = (d: LogDoc): d is MessageDoc => (d as { kind?: string }).kind === undefined && d.seq > 0;

/** The `conversationId` of a message's content entries: their `seq` is the version. */
export const versionKey = (messageId: string): string => `v:${messageId}`;

/** An action's entry `_id`: its own namespace, apart from message ids of the same (sender, clientId). */
export const actionEntryId = (actorId: string, clientId: string): string => `a:${messageIdFor(actorId, clientId)}`;

/** The entry emptying the quote of a reply whose original was deleted for everyone. */
export const quoteEntryId = (replyId: string): string => `q:${replyId}`;

/** The content of a message, `version` first (MessageDoc.content). */
export const contentOf = (m: Message): ContentDoc => ({
  version: m.version ?? 0,
  body: m.body,
  replyTo: m.replyTo ?? null,
  reactions: m.reactions ?? [],
  editedAt: m.editedAt ?? null,
  deletedAt: m.deletedAt ?? null,
  attachments: m.attachments ?? [],
});

/** The version of a message document's content (0: never acted on). */
export const versionOf = (doc: Pick<MessageDoc, 'content'>): number => doc.content?.version ?? 0;

/** When `userId` hid the message (the first hide stays), or null. */
export const hiddenAtOf = (doc: Pick<MessageDoc, 'hidden'>, userId: string | undefined): string | null =>
  (userId !== undefined && doc.hidden?.[userId]) || null;

/**
 * The message as `viewerId` sees it: the document's content, or `newer` when it is a later
 * version (an entry read before its update reached the document, or over an update that a
 * concurrent one undid on FerretDB), with `hiddenAt` when the viewer hid it.
 */
export function messageFor(doc: MessageDoc, viewerId?: string, newer?: ContentDoc, hiddenAt?: string | null): Message {
  const m = toMessage(newer && newer.version > versionOf(doc) ? { ...doc, content: newer } : doc);
  const hidden = hiddenAt ?? hiddenAtOf(doc, viewerId);
  return hidden ? { ...m, hiddenAt: hidden } : m;
}
