/**
 * Keeps a conversation row's summary (last message, unread badge, updatedAt, and for a group its
 * title, members and whether we may write) current. Called inside the same transaction as the
 * message writes, so the list and the messages never disagree, even across tabs.
 *
 * The unread badge is kept by exact deltas (down/merge-rules.ts `unreadDelta`)
 * rather than recounted: a recount would scan every unread row on each
 * incoming message, which is quadratic during a burst.
 *
 * A group's row keeps the server's view (`group`, group-state.ts) apart from what it shows: the
 * shown title and members are that view with this device's pending changes on top, recomputed
 * here from the pending rows on every write. So a change the server refuses (its row turns
 * `failed`) is reverted by the same write that records the refusal.
 */
import { conversationPeer } from '../../conversation-id.ts';
import type { Member } from '../../model/group.ts';
import type { SystemEvent } from '../../model/system-event.ts';
import { applyEvent, applySnapshot, emptyGroupState, isMember, overlayPending } from './group-state.ts';
import type { LocalMessage } from '../api.ts';
import { conversationType, isLocalGroupId, toLocalMessage, type LocalDb, type StoredConversation, type StoredMessage } from './local-db.ts';
import { messageStore } from './message-store.ts';

const notHidden = (row: StoredMessage): boolean => !row.hiddenAt;

/** The newest row of an index range not deleted for me (a filtered walk only when the newest is hidden), and whether there is any row. */
async function lastShown(db: LocalDb, index: '[conversationId+seq]' | 'unacked', conversationId: string): Promise<{ shown: StoredMessage | undefined; any: boolean }> {
  if (index === '[conversationId+seq]') {
    // Acked messages are rows or in blocks (local/message-store.ts).
    const store = messageStore(db);
    const newest = await store.last(conversationId);
    if (!newest || notHidden(newest)) return { shown: newest, any: newest !== undefined };
    return { shown: await store.last(conversationId, notHidden), any: true };
  }
  const newest = await db.inConversation(index, conversationId).last();
  if (!newest || notHidden(newest)) return { shown: newest, any: newest !== undefined };
  return { shown: await db.inConversation(index, conversationId).filter(notHidden).last(), any: true };
}

/** Per-conversation unread deltas collected while writing messages. */
export type Touched = Map<string, number>;

export function touch(touched: Touched, conversationId: string, unreadDelta = 0): void {
  touched.set(conversationId, (touched.get(conversationId) ?? 0) + unreadDelta);
}

/** What the server said about groups in this transaction, besides message rows. */
export interface GroupFacts {
  /** System messages stored, per conversation. */
  events?: Map<string, { seq: number; event: SystemEvent }[]>;
  /** The server's conversation (GET /api/conversations/:id, a change's answer) when its last seq was `atSeq`. */
  snapshots?: Map<string, { title: string; members: Member[]; atSeq: number }>;
}

/** The rows a batch of server copies wrote, per conversation (refreshConversations' `written`). */
export type Written = Map<string, StoredMessage[]>;

/**
 * The newest shown row of a 1:1 conversation after a batch of server copies, told by its summary
 * before the batch and the rows the batch wrote, without reading the indexes (two range reads per
 * conversation and page were a tenth of a catch-up's main thread in Chromium, issue #20). Only when
 * that is certain: the summary showed an acked message or none (so no unacked row is shown: it
 * would be last), and every row written is acked and shown. Otherwise undefined: the indexes decide.
 */
function lastAfterCopies(existing: StoredConversation | undefined, written: readonly StoredMessage[] | undefined): { last: LocalMessage | null } | undefined {
  if (!existing || existing.type !== 'direct' || !written || written.length === 0) return undefined;
  const before = existing.lastMessage;
  if (before && before.seq === null) return undefined;
  let newest: StoredMessage | undefined;
  for (const row of written) {
    if (row.seq === null || row.hiddenAt) return undefined;
    if (!newest || row.seq > newest.seq!) newest = row;
  }
  // The summary's row, rewritten by this batch, is among `written` with the same seq: the newer copy wins.
  if (before && before.seq! > newest!.seq!) return { last: before };
  return { last: toLocalMessage(newest!) };
}

/**
 * Must run inside a rw transaction over messages and conversations.
 * Returns the ids of conversations it created (a peer or group the device may not know yet).
 */
export async function refreshConversations(
  db: LocalDb,
  touched: Touched,
  me: string,
  options: { zeroUnread?: boolean; facts?: GroupFacts; written?: Written } = {},
): Promise<string[]> {
  const created: string[] = [];
  // One read and one write for the batch's conversations, not one each (a catch-up page touches dozens).
  const ids = [...touched.keys()];
  const rows = await db.conversations.bulkGet(ids);
  const writes: StoredConversation[] = [];
  for (const [i, conversationId] of ids.entries()) {
    const delta = touched.get(conversationId)!;
    const existing = rows[i];
    // Display order: acked by seq, then pending/failed in local order, so the last pending one (if any) is what the user typed last.
    // A message deleted for me is skipped: the list shows the last one still in the chat.
    const known = lastAfterCopies(existing, options.written?.get(conversationId));
    let last: LocalMessage | null;
    let hasUnacked = false;
    if (known) last = known.last;
    else {
      const newestUnacked = await lastShown(db, 'unacked', conversationId);
      const row = newestUnacked.shown ?? (await lastShown(db, '[conversationId+seq]', conversationId)).shown;
      last = row ? toLocalMessage(row) : null;
      hasUnacked = newestUnacked.any;
    }
    const base = {
      id: conversationId,
      lastMessage: last,
      unreadCount: options.zeroUnread ? 0 : Math.max(0, (existing?.unreadCount ?? 0) + delta),
      updatedAt: last?.createdAt ?? existing?.updatedAt ?? new Date().toISOString(),
      // Not a summary of messages: kept as it is (up/mutes.ts writes it).
      ...(existing?.muted !== undefined ? { muted: existing.muted } : {}),
      ...(existing?.serverMute ? { serverMute: existing.serverMute } : {}),
    };
    const type = existing?.type ?? conversationType(conversationId);
    const next: StoredConversation =
      type === 'direct'
        ? { ...base, type, peerId: existing?.peerId || (conversationPeer(conversationId, me) ?? ''), title: '', members: [], writable: true }
        : await groupRow(db, base, existing, me, options.facts, hasUnacked);
    writes.push(next);
    if (!existing) created.push(conversationId);
  }
  await db.conversations.bulkPut(writes);
  return created;
}

async function groupRow(
  db: LocalDb,
  base: Pick<StoredConversation, 'id' | 'lastMessage' | 'unreadCount' | 'updatedAt' | 'muted' | 'serverMute'>,
  existing: StoredConversation | undefined,
  me: string,
  facts: GroupFacts = {},
  hasUnacked: boolean,
): Promise<StoredConversation> {
  let group = existing?.group ?? emptyGroupState();
  for (const { seq, event } of facts.events?.get(base.id) ?? []) group = applyEvent(group, seq, event, me);
  const snapshot = facts.snapshots?.get(base.id);
  if (snapshot) group = applySnapshot(group, snapshot, snapshot.atSeq);
  const own = hasUnacked ? await ownChanges(db, base.id, me) : [];
  const pending = own.filter((r) => r.status === 'pending').map((r) => r.system!);
  const shown = overlayPending(group, pending, me);
  // A creation the server refused still names the group (the chat says why), but nobody is in it.
  const refused = own.find((r) => r.status === 'failed' && r.system?.kind === 'group-created');
  const title = shown.title || (refused?.system?.title ?? '');
  return {
    ...base,
    type: 'group',
    peerId: '',
    title,
    members: shown.members,
    writable: isMember(shown, me),
    group,
    ...(isLocalGroupId(base.id) ? { local: true } : {}),
    // Refused while not a member; once we are one again, the group is worth asking for.
    ...(existing?.groupFetchRefused && !isMember(group, me) ? { groupFetchRefused: true } : {}),
  };
}

/** This device's unacknowledged group changes in a conversation, in the order they were made. */
async function ownChanges(db: LocalDb, conversationId: string, me: string): Promise<StoredMessage[]> {
  const rows = await db.inConversation('unacked', conversationId).toArray();
  return rows.filter((r) => r.type === 'system' && r.system && r.senderId === me);
}
