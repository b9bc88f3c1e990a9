/**
 * Pure merge of server copies into local rows. Everything that decides what a
 * row becomes lives here, so it is tested without IndexedDB; the transactions
 * in store-server-changes.ts only read the current row, call these, and write.
 *
 * Invariants (docs/sync-protocol.md):
 *  - Idempotent: merging the same server copy twice gives the same row.
 *  - Monotonic: a status never moves backwards, whatever order copies and receipts arrive in.
 *  - One row per message: the server copy of our own pending message has the same key
 *    (`${senderId}:${clientId}`), so it replaces the pending row instead of adding one.
 *  - Content (body, reactions, edit, delete, quote) goes by `version`, never by arrival order: a
 *    copy with a lower version than the row's server state leaves the content as it is (its
 *    status still counts), and a message deleted for everyone stays deleted. Delete for me
 *    (`hiddenAt`) is sticky. This device's pending actions are re-applied on top by the caller
 *    (local/pending-actions.ts), since they live in the outbox.
 */
import type { Message } from '../../model/message.ts';
import { maxStatus, type LocalStatus, type MessageStatus } from '../../status.ts';
import { messageKey, type StoredMessage } from '../local/local-db.ts';
import { DERIVED_FIELDS } from '../local/derived-fields.ts';
import { contentOf, contentOfServer, withContent, type Content } from '../local/pending-actions.ts';

/**
 * The content a row keeps when `server` arrives: the copy's, unless the row already holds a newer
 * server state (higher version), or a deleted one (terminal) and the copy is not. A row never
 * acked holds no server state: the copy wins.
 */
export function mergeContent(existing: StoredMessage | undefined, server: Message): Content {
  const held = existing && existing.seq !== null ? (existing.base ?? contentOf(existing)) : null;
  const copy = contentOfServer(server, existing ? (existing.base ?? contentOf(existing)) : null);
  if (!held) return copy;
  if (copy.version < held.version) return held;
  if (held.deletedAt && !copy.deletedAt) return held;
  return copy;
}

/**
 * The row a server copy turns `existing` into.
 * @param readUpToSeq the device's read mark for the conversation: an incoming message at or
 *   below it was already reported read (message-read is "up to"), so it is stored as read even
 *   if this copy is older than that report.
 * @param deliveredUpToSeq the account's delivered position in a group, as the server said
 *   (down/read-positions.ts): an incoming message at or below it is stored at least delivered.
 */
export function mergeServerCopy(existing: StoredMessage | undefined, server: Message, me: string, readUpToSeq = 0, deliveredUpToSeq = 0): StoredMessage {
  // pending/failed rank below every server status, so the server copy always wins over them;
  // between two server statuses the later one wins.
  let status: LocalStatus = existing ? maxStatus<LocalStatus>(existing.status, server.status) : server.status;
  // In a group, a copy's status is the aggregate over the other members, which our own reading
  // is part of: it never says more than we did, so the max with our receipts is still ours.
  const incoming = server.senderId !== me;
  if (incoming && server.seq <= readUpToSeq) status = maxStatus<LocalStatus>(status, 'read');
  else if (incoming && server.seq <= deliveredUpToSeq) status = maxStatus<LocalStatus>(status, 'delivered');
  const hiddenAt = existing?.hiddenAt ?? server.hiddenAt ?? null;
  const row: StoredMessage = {
    key: messageKey(server.senderId, server.clientId),
    id: server.id,
    clientId: server.clientId,
    conversationId: server.conversationId,
    senderId: server.senderId,
    recipientId: server.recipientId,
    body: server.body,
    seq: server.seq,
    createdAt: server.createdAt,
    // Keeps the local time of our own messages (it orders nothing once seq exists, but the UI may show it).
    localCreatedAt: existing?.localCreatedAt ?? parseTime(server.createdAt),
    status,
    ...(incoming ? { reader: me } : {}),
    ...(server.type ? { type: server.type } : {}),
    ...(server.system ? { system: server.system } : {}),
    ...(hiddenAt ? { hiddenAt } : {}),
    // A refusal stays shown until dismissed (dismissActionError), whatever copies arrive meanwhile.
    ...(existing?.actionError ? { actionError: existing.actionError } : {}),
    // The words a word record holds for it (local/page-words.ts): still its words while the body is
    // unchanged, which the write middleware checks; so a status change is not entered in a record again.
    ...(existing?.heldWords ? { heldWords: existing.heldWords } : {}),
  };
  return withContent(row, mergeContent(existing, server));
}

/** `row` with its status raised to at least `status` (a receipt); the same object when nothing changes. */
export function raiseStatus(row: StoredMessage, status: MessageStatus): StoredMessage {
  if (row.seq === null) return row; // a receipt can only be about a stored (acked) message
  const next = maxStatus<LocalStatus>(row.status, status);
  return next === row.status ? row : { ...row, status: next };
}

/** Whether a row counts in its conversation's unread badge for user `me` (a group change or a hidden message does not). */
export function countsAsUnread(row: StoredMessage | undefined, me: string): boolean {
  // A message deleted for me is out of sight: it no longer asks to be read.
  return !!row && row.reader === me && row.seq !== null && row.status !== 'read' && row.type !== 'system' && !row.hiddenAt;
}

/** Change of the unread badge when `before` becomes `after`; exact, so replays add 0. */
export function unreadDelta(before: StoredMessage | undefined, after: StoredMessage | undefined, me: string): number {
  return Number(countsAsUnread(after, me)) - Number(countsAsUnread(before, me));
}

/**
 * Field-by-field equality of two rows, so unchanged replays cost no write and no event. The derived
 * fields (`words`, `unacked`) are left out: the write middleware sets them from the row
 * (local/derived-fields.ts), so every stored row has them while a merged one lacks them (or carries
 * the stored row's, stale): compared, every replay of a stored message (a catch-up page re-sending
 * what the device holds, a status change it already knew) was a rewrite.
 */
export function sameRow(a: StoredMessage | undefined, b: StoredMessage): boolean {
  if (!a) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof StoredMessage>;
  for (const k of DERIVED_FIELDS) keys.delete(k);
  for (const k of keys) {
    // Objects and arrays (error, system, reactions, replyTo, attachments, base, actionError) by value.
    if (typeof a[k] === 'object' || typeof b[k] === 'object') {
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
    } else if (a[k] !== b[k]) return false;
  }
  return true;
}

/** A sequence gap: the copy's seq is beyond what the device holds plus one. */
export const isGap = (incomingSeq: number, localMaxSeq: number): boolean => incomingSeq > localMaxSeq + 1;

function parseTime(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * The message that starts one of `me`'s periods in a group (its creation, or `me` being added):
 * nothing before it is ours to hold, so a seq right after nothing is not a gap.
 */
export function startsPeriod(m: Message, me: string): boolean {
  const kind = m.system?.kind;
  return kind === 'group-created' || (kind === 'members-added' && (m.system?.userIds ?? []).includes(me));
}

/** Conversations where the incoming seqs, taken in order, jump past local max + 1. */
export function findGaps(messages: readonly Message[], localMax: ReadonlyMap<string, number>, me = ''): string[] {
  const byConversation = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byConversation.get(m.conversationId) ?? [];
    list.push(m);
    byConversation.set(m.conversationId, list);
  }
  const gaps: string[] = [];
  for (const [id, list] of byConversation) {
    let max = localMax.get(id) ?? 0;
    for (const m of list.sort((a, b) => a.seq - b.seq)) {
      if (startsPeriod(m, me)) max = Math.max(max, m.seq - 1);
      if (isGap(m.seq, max)) {
        gaps.push(id);
        break;
      }
      max = Math.max(max, m.seq);
    }
  }
  return gaps;
}
