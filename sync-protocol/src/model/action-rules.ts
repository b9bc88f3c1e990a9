/**
 * The rules of message actions (contract v2, "Message actions"), pure: both stores call these in
 * their commit with the stored message and the actor's standing, so SQLite and MongoDB (and the
 * in-memory test server) decide alike; the engine asks them too before queueing an action it
 * already knows is refused. On the server, times are the server's (`ActionRequest.at`).
 *
 *   action   who                         when (after createdAt)   on a deleted message
 *   react    a current member            any time                 CONFLICT
 *   edit     the sender, a member        ≤ 15 min, else CONFLICT  CONFLICT
 *   delete   the sender, a member        ≤ 48 h, else CONFLICT    nothing to do (ok)
 *   hide     anyone who can see it       any time                 allowed
 *
 * A message outside the actor's view (not their 1:1, not in their periods of a group) is
 * NOT_FOUND, as if it did not exist. System messages take no reaction, edit or delete (VALIDATION).
 */
import { isInlineImage } from './attachment.ts';
import { PigeonError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { textLength } from '../text.ts';
import type { Message } from './message.ts';
import type { MessageAction } from './message-action.ts';
import type { ReplyRef } from './message-parts.ts';

/**
 * An action by `actorId`, judged at `at` (server time: the server's clock, or a test's; a device
 * judging its own action ahead of the server passes its own clock, and the server still decides).
 * Idempotent by (actorId, clientId), a namespace of its own (not shared with message clientIds).
 */
export type ActionRequest = { actorId: string; clientId: string; messageId: string; at: string } & MessageAction;

/** What the store knows of the actor and the target, as of the commit. */
export interface ActionSubject {
  message: Message;
  /** The actor may read the message: a member of its 1:1 conversation, or its seq is in one of their periods of the group. */
  visible: boolean;
  /** The actor may write there now: a member of the 1:1 conversation, or a current member of the group. */
  member: boolean;
}

/** Why the action may not apply, or null when it may. `subject` null: no such message. */
export function judgeAction(req: ActionRequest, subject: ActionSubject | null): PigeonError | null {
  if (!subject || !subject.visible) return new PigeonError('NOT_FOUND', 'messageId: no such message');
  const { message } = subject;
  if (req.kind === 'hide') return null;
  if (message.type === 'system') return new PigeonError('VALIDATION', 'messageId: a group change takes no reaction, edit or delete');
  if (!subject.member) return new PigeonError('FORBIDDEN', 'not a member of this conversation');
  const age = Date.parse(req.at) - Date.parse(message.createdAt);
  const deleted = Boolean(message.deletedAt);
  switch (req.kind) {
    case 'react':
      return deleted ? new PigeonError('CONFLICT', 'the message was deleted') : null;
    case 'edit':
      if (message.senderId !== req.actorId) return new PigeonError('FORBIDDEN', 'only the sender can edit a message');
      if (deleted) return new PigeonError('CONFLICT', 'the message was deleted');
      return age > LIMITS.editWindowMs ? new PigeonError('CONFLICT', 'the edit window (15 minutes) has closed') : null;
    case 'delete':
      if (message.senderId !== req.actorId) return new PigeonError('FORBIDDEN', 'only the sender can delete a message for everyone');
      if (deleted) return null;
      return age > LIMITS.deleteWindowMs ? new PigeonError('CONFLICT', 'the delete window (48 hours) has closed') : null;
  }
}

/**
 * The message after an accepted react / edit / delete, with `version` one higher; null when it
 * changes nothing (the same emoji again, removing no reaction, the same body, deleting a deleted
 * message, and any hide: a hide is the actor's alone, kept apart from the message's content).
 */
export function applyAction(message: Message, req: ActionRequest): Message | null {
  const next = contentAfter(message, req);
  return next ? { ...next, version: (message.version ?? 0) + 1 } : null;
}

function contentAfter(m: Message, req: ActionRequest): Message | null {
  switch (req.kind) {
    case 'react': {
      const reactions = m.reactions ?? [];
      const mine = reactions.find((r) => r.userId === req.actorId);
      if ((mine?.emoji ?? '') === req.emoji) return null;
      // One per user: the new one replaces the old, and goes last (reactions keep the order they were made in).
      const others = reactions.filter((r) => r.userId !== req.actorId);
      return { ...m, reactions: req.emoji === '' ? others : [...others, { userId: req.actorId, emoji: req.emoji }] };
    }
    case 'edit':
      return req.body === m.body ? null : { ...m, body: req.body, editedAt: req.at };
    case 'delete':
      // A tombstone: id, seq, sender and times stay; nothing of what it said does.
      return m.deletedAt ? null : { ...m, body: '', attachments: [], reactions: [], replyTo: null, deletedAt: req.at };
    case 'hide':
      return null;
  }
}

/** The quote a reply to `original` carries: its first characters, or '' once it is deleted for everyone. */
export function replyRefOf(original: Message): ReplyRef {
  if (original.deletedAt) return { id: original.id, senderId: original.senderId, preview: '' };
  const text = original.body !== '' ? original.body : attachmentsLine(original.attachments ?? []);
  return { id: original.id, senderId: original.senderId, preview: cutText(text, LIMITS.replyPreviewMaxChars) };
}

/**
 * What a quote of a message with attachments and no caption says: '📷 ' or '📎 ' and the first
 * file's name, '+N' for the others ("📷 IMG_2041.jpg +4"). Words would need a language; a name
 * does not, and '' must stay free to mean "deleted".
 */
export function attachmentsLine(attachments: readonly { name: string; mime: string }[]): string {
  const [first] = attachments;
  if (!first) return '';
  const icon = isInlineImage(first.mime) ? '📷' : '📎';
  return `${icon} ${first.name}${attachments.length > 1 ? ` +${attachments.length - 1}` : ''}`;
}

/** A reply whose original was just deleted for everyone: its quote emptied, `version` one higher; null when there is nothing to empty. */
export function withQuoteRemoved(reply: Message): Message | null {
  if (!reply.replyTo || reply.replyTo.preview === '') return null;
  return { ...reply, replyTo: { ...reply.replyTo, preview: '' }, version: (reply.version ?? 0) + 1 };
}

/** The first `max` code points of `text` (never half a surrogate pair). */
export function cutText(text: string, max: number): string {
  if (textLength(text) <= max) return text;
  return [...text].slice(0, max).join('');
}
