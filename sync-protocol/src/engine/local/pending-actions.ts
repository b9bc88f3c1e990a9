/**
 * What a message row shows: the server's content state (its base) with this device's
 * unacknowledged actions re-applied on top, in the order they were made (Replicache-style).
 * Pure, so every writer computes a row the same way:
 *
 *   server copy ─▶ base (kept only by a higher or equal version: merge-rules.ts)
 *   outbox entries of the row (targetKey) ─▶ pending actions, oldest first
 *   base + pending ─▶ the displayed fields (body, reactions, editedAt, deletedAt, replyTo, attachments)
 *
 * Why the base is kept apart instead of overwriting the row: a server copy that arrives while an
 * action is queued (a catch-up page, another member's reaction) must not wipe the action from the
 * screen, and an action the server refuses must leave exactly the server's state behind. The base
 * is stored on the row only while actions are pending (`StoredMessage.base`); otherwise the shown
 * fields are the base.
 *
 * Rows are compact: a field at its default (null / [] / 0) is left out, as in a row stored before
 * contract v2 (api.ts: absent means null / []).
 */
import { applyAction } from '../../model/action-rules.ts';
import type { Message } from '../../model/message.ts';
import type { MessageAction } from '../../model/message-action.ts';
import type { Attachment, Reaction } from '../../model/message-parts.ts';
import type { LocalMessage } from '../api.ts';

/** The content of a message as the server last said (or, for a message never acked, as typed). */
export interface Content {
  body: string;
  reactions: Reaction[];
  editedAt: string | null;
  deletedAt: string | null;
  replyTo: NonNullable<LocalMessage['replyTo']> | null;
  attachments: Attachment[];
  version: number;
}

/** One queued action as the overlay needs it: what, and when it was made (the local editedAt / deletedAt). */
export type PendingAction = MessageAction & { at: string };

const CONTENT_KEYS = ['body', 'reactions', 'editedAt', 'deletedAt', 'replyTo', 'attachments', 'version'] as const;

/** The content fields of a row (absent fields are their defaults). */
export function contentOf(row: Partial<LocalMessage> & { body: string }): Content {
  return {
    body: row.body,
    reactions: row.reactions ?? [],
    editedAt: row.editedAt ?? null,
    deletedAt: row.deletedAt ?? null,
    replyTo: row.replyTo ?? null,
    attachments: row.attachments ?? [],
    version: row.version ?? 0,
  };
}

/** The content of a server copy; a reply's local `key` to its original is kept when the quote is still that message. */
export function contentOfServer(m: Message, held?: Content | null): Content {
  const c = contentOf(m);
  const held_ = held?.replyTo;
  // A reply typed here knew its original's row key (and maybe not yet its id): still the same quote.
  if (c.replyTo && held_?.key && (held_.id === null || held_.id === c.replyTo.id)) c.replyTo = { ...c.replyTo, key: held_.key };
  return c;
}

/**
 * `base` with `pending` applied in order, by the server's rules (model/action-rules.ts), as `me`.
 * The version stays the base's: it names the server copy the row holds, not a local guess. A
 * reaction or edit queued behind a delete for everyone changes nothing (the server will refuse
 * it: a deleted message is terminal). Hides are not content (StoredMessage.hiddenAt).
 */
export function overlay(base: Content, pending: readonly PendingAction[], me: string): Content {
  let shown = base;
  for (const action of pending) {
    if (action.kind === 'hide') continue;
    if (shown.deletedAt && action.kind !== 'delete') continue;
    const asMessage = { ...shown, id: '', clientId: '', conversationId: '', senderId: '', recipientId: '', seq: 1, createdAt: action.at, status: 'sent' } as Message;
    const next = applyAction(asMessage, { ...action, actorId: me, clientId: '', messageId: '', at: action.at });
    if (next) shown = contentOf(next as unknown as LocalMessage);
  }
  return { ...shown, version: base.version };
}

const IS_CONTENT_KEY: ReadonlySet<string> = new Set(CONTENT_KEYS);

/**
 * `row` with `content` as its shown fields: defaults left out, every other field kept. The other
 * fields are copied one by one, not spread and then deleted: `delete` turns an object into a
 * dictionary, and every server copy goes through here (a sync page, a live event) before its
 * row is copied again (derived-fields.ts) and cloned into IndexedDB, each far slower on a
 * dictionary: 20,000 rows, spread and delete 27–36 ms then 54–100 ms for the next copy, copied
 * 9–13 ms then 5 ms (Node 20, issue #20).
 */
export function withContent<R extends Partial<LocalMessage>>(row: R, content: Content): R {
  const next: Record<string, unknown> = {};
  for (const k in row) if (!IS_CONTENT_KEY.has(k)) next[k] = row[k];
  next.body = content.body;
  if (content.reactions.length > 0) next.reactions = content.reactions;
  if (content.editedAt) next.editedAt = content.editedAt;
  if (content.deletedAt) next.deletedAt = content.deletedAt;
  if (content.replyTo) next.replyTo = content.replyTo;
  if (content.attachments.length > 0) next.attachments = content.attachments;
  if (content.version > 0) next.version = content.version;
  return next as R;
}

/**
 * The row with `base` as its server state and `pending` shown on top: `base` and `pendingActions`
 * are kept only while something is pending, so a row without actions is just its server copy.
 */
export function showPending<R extends Partial<LocalMessage> & { base?: Content }>(row: R, base: Content, pending: readonly PendingAction[], me: string): R {
  const { base: _base, pendingActions: _n, ...rest } = row;
  const shown = withContent(rest as R, overlay(base, pending, me));
  return pending.length > 0 ? { ...shown, base, pendingActions: pending.length } : shown;
}
