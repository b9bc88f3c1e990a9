/**
 * Message actions (contract v2: react, edit, delete for everyone; delete for me), offline-first
 * like sends. One call commits, in ONE transaction, an outbox entry with its own clientId and the
 * target row with the action shown on top of its server state (local/pending-actions.ts). The
 * entry rides in the lane of the target's conversation, behind everything typed before it, so an
 * action on a message still in the outbox is sent after that message: by then the message is
 * acked, and the action's target (a row key) resolves to its server id (`resolveTargets`). It is
 * never folded into the pending send, which may already be on the wire.
 *
 * Outcomes (up/drainer.ts): acked → the server's copy is stored and the entry dropped in one
 * transaction (down/store-server-changes.ts `actionDone`); refused for good (CONFLICT, FORBIDDEN,
 * NOT_FOUND, VALIDATION, or the target was never sent) → the entry is dropped, the row shows the
 * server's state again with `actionError` (`failAction`); anything else is retried, idempotent by
 * the action's clientId.
 */
import { PigeonError, type ErrorCode } from '../../errors.ts';
import { judgeAction } from '../../model/action-rules.ts';
import { messageBodySchema, type Message } from '../../model/message.ts';
import type { MessageAction } from '../../model/message-action.ts';
import { emojiSchema } from '../../model/message-parts.ts';
import { parseOrThrow } from '../../validate.ts';
import { unreadDelta } from '../down/merge-rules.ts';
import { refreshConversations } from '../local/conversation-summary.ts';
import { actionsOn, messageKey, META, type LocalDb, type OutboxEntry, type StoredMessage } from '../local/local-db.ts';
import { contentOf, showPending, type PendingAction } from '../local/pending-actions.ts';
import { newClientId, nextPendingTime } from './outbox.ts';
import { messageStore, messageTables } from '../local/message-store.ts';

/** The action an outbox entry re-applies on its target row, made at the entry's local time. */
export function pendingActionOf(entry: OutboxEntry): PendingAction {
  const { targetId: _id, ...action } = entry.action!;
  return { ...action, at: new Date(entry.localCreatedAt).toISOString() };
}

/** Whether a refusal of an action is final: a send's permanent errors, and CONFLICT (window closed, message deleted). */
export const isFinalActionError = (code: ErrorCode): boolean => code === 'CONFLICT';

/**
 * Queues `action` by `me` on the row `key` and shows it at once. Rejects (PigeonError) where this
 * device already knows the server would refuse: a bad emoji or body (VALIDATION), someone else's
 * message to edit or delete (FORBIDDEN), a deleted message or an edit after the window by this
 * device's clock (CONFLICT; the server's clock decides in the end), a message never sent (CONFLICT).
 * An action that changes nothing (the same emoji again, the same body) queues nothing.
 */
export async function commitAction(db: LocalDb, me: string, key: string, action: MessageAction, now = Date.now()): Promise<void> {
  const checked = validate(action);
  await db.transaction('rw', [...messageTables(db), db.outbox, db.conversations], async () => {
    const row = await messageStore(db).get(key);
    if (!row) throw new PigeonError('NOT_FOUND', 'no such message');
    const conversation = await db.conversations.get(row.conversationId);
    const at = new Date(now).toISOString();
    if (checked.kind === 'hide') {
      if (row.hiddenAt) return;
      // Never reached the server: there is nothing to hide there (and nothing ahead to wait for).
      const local = row.status === 'failed';
      await queue(db, me, local ? null : checked, { ...row, hiddenAt: at });
      return;
    }
    if (row.status === 'failed') throw new PigeonError('CONFLICT', 'the message was not sent');
    const subject = { ...row, id: row.id ?? key, seq: row.seq ?? 1, status: 'sent' } as Message;
    const refused = judgeAction({ ...checked, actorId: me, clientId: 'local', messageId: subject.id, at }, { message: subject, visible: true, member: conversation?.writable ?? true });
    if (refused) throw refused;
    if (changesNothing(row, checked, me)) return;
    await queue(db, me, checked, row);
  });
}

function validate(action: MessageAction): MessageAction {
  if (action.kind === 'react') return { kind: 'react', emoji: parseOrThrow(emojiSchema, action.emoji) };
  if (action.kind === 'edit') return { kind: 'edit', body: parseOrThrow(messageBodySchema, action.body) };
  return { kind: action.kind };
}

function changesNothing(row: StoredMessage, action: MessageAction, me: string): boolean {
  switch (action.kind) {
    case 'react':
      return ((row.reactions ?? []).find((r) => r.userId === me)?.emoji ?? '') === action.emoji;
    case 'edit':
      return row.body === action.body;
    default:
      return !!row.deletedAt; // delete of a deleted message
  }
}

/** Adds the entry (unless `action` is null: a local-only change) and rewrites the row with its pending actions. */
async function queue(db: LocalDb, me: string, action: MessageAction | null, row: StoredMessage): Promise<void> {
  if (action) {
    const localCreatedAt = await nextPendingTime(db);
    const clientId = newClientId(localCreatedAt);
    await db.outbox.add({
      clientId,
      key: messageKey(me, clientId),
      conversationId: row.conversationId,
      to: row.recipientId,
      body: '',
      localCreatedAt,
      attempts: 0,
      socketFailures: 0,
      action: { ...action, targetId: row.id },
      targetKey: row.key,
    });
  }
  await rewrite(db, me, row);
}

/** Recomputes what `row` shows from its server state and the actions still queued on it; refreshes its conversation. */
async function rewrite(db: LocalDb, me: string, row: StoredMessage, extra: Partial<StoredMessage> = {}): Promise<void> {
  const before = await messageStore(db).get(row.key);
  const pending = (await actionsOn(db, row.key)).map(pendingActionOf);
  const next = { ...showPending(row, row.base ?? contentOf(row), pending, me), ...extra };
  await messageStore(db).put(next);
  // A hide takes an unread message out of the badge (merge-rules.ts countsAsUnread).
  await refreshConversations(db, new Map([[row.conversationId, unreadDelta(before, next, me)]]), me);
}

/**
 * An action refused for good: the entry leaves the outbox and the row shows its server state with
 * the actions still queued on it, plus `actionError` (the UI's notice). A refused hide stays hidden
 * here: the user wanted it out of sight, and nothing else depends on it.
 */
export async function failAction(db: LocalDb, entry: OutboxEntry, me: string, code: ErrorCode, message: string): Promise<void> {
  await db.transaction('rw', [...messageTables(db), db.outbox, db.conversations, db.meta], async () => {
    await db.outbox.delete(entry.clientId);
    const kind = entry.action!.kind;
    const row = entry.targetKey ? await messageStore(db).get(entry.targetKey) : undefined;
    // Not on the device (an account switch cleared it; the catch-up has not brought it back yet): the
    // refusal waits for the row, which shows it when stored (down/store-server-changes.ts).
    if (!row && entry.targetKey && kind !== 'hide') await noteRefusal(db, entry.conversationId, entry.targetKey, { kind, code, message });
    if (!row) return;
    await rewrite(db, me, row, kind === 'hide' ? {} : { actionError: { kind, code, message } });
  });
}

/** What a row shows of an action the server refused for good. */
export type ActionError = NonNullable<StoredMessage['actionError']>;

async function noteRefusal(db: LocalDb, conversationId: string, key: string, error: ActionError): Promise<void> {
  const notes = (await db.getMeta<Record<string, ActionError>>(META.refusedPrefix + conversationId)) ?? {};
  await db.setMeta(META.refusedPrefix + conversationId, { ...notes, [key]: error });
}

/** Clears `actionError` on a row (the user saw the notice). */
export async function dismissActionError(db: LocalDb, key: string): Promise<void> {
  await db.transaction('rw', messageTables(db), async () => {
    const row = await messageStore(db).get(key);
    if (!row?.actionError) return;
    const { actionError: _e, ...rest } = row;
    await messageStore(db).put(rest);
  });
}

/**
 * Fills in the server ids an entry names by row key, now that what was ahead of it in its lane is
 * acked: an action's target, a reply's original. An action whose target was never acked (its send
 * failed for good) keeps `targetId` null: it fails. A reply whose original was never acked goes
 * without its quote: the text still reaches the peer. A row that is not there at all is another
 * matter (`missing`). Also run when an account switch parks the entry (local/parked.ts): the
 * rows it reads are cleared then, and come back only with the owner's next catch-up.
 */
export async function resolveTargets(db: LocalDb, entry: OutboxEntry): Promise<OutboxEntry> {
  return (await resolveTarget(db, entry)).entry;
}

/**
 * `resolveTargets`, and whether the entry still names its target or original by row key only and
 * the device holds no row of that key: not a message whose send failed (that row exists), but one
 * the device does not hold (yet). Only an entry parked before targets were resolved at parking gets
 * here; the drainer waits for the catch-up to bring the row rather than send it without its target.
 * One read for both: a catch-up storing the row between two reads would send the entry unresolved.
 */
export async function resolveTarget(db: LocalDb, entry: OutboxEntry): Promise<{ entry: OutboxEntry; missing: boolean }> {
  // One read transaction: a message moving from a block to a row meanwhile is seen in one of them.
  return db.transaction('r', messageTables(db), () => resolveIn(db, entry));
}

async function resolveIn(db: LocalDb, entry: OutboxEntry): Promise<{ entry: OutboxEntry; missing: boolean }> {
  if (entry.action && entry.action.targetId === null && entry.targetKey) {
    const target = await messageStore(db).get(entry.targetKey);
    return { entry: { ...entry, action: { ...entry.action, targetId: target?.id ?? null } }, missing: !target };
  }
  if (entry.replyTo && entry.replyTo.id === null && entry.replyTo.key) {
    const original = await messageStore(db).get(entry.replyTo.key);
    return { entry: { ...entry, replyTo: { ...entry.replyTo, id: original?.id ?? null } }, missing: !original };
  }
  return { entry, missing: false };
}
