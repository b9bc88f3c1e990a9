import type { Message } from '@pigeon/sync-protocol';
import type { ChangePage, ConversationRecord, FeedOptions } from '../store.ts';
import type { ActionStatements, HiddenRow } from './action-statements.ts';
import type { PeriodRow } from './group-statements.ts';
import type { GroupContext } from './groups.ts';
import { toGroupRecord } from './groups.ts';
import { lastMessageOf, toMessage, type MessageRow } from './rows.ts';

const NO_END = Number.MAX_SAFE_INTEGER;

/**
 * The first `n` rows of several lists each sorted by change position, in that order (pure).
 * Positions are unique across the lists: 1:1 rows exclude group messages, a user's periods of a
 * group never share a seq, and a hide has a position of its own (its message may be in another
 * list too, at another position: latestEntries keeps one).
 */
export function mergeByChangePos(lists: readonly (readonly MessageRow[])[], n: number): MessageRow[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return (nonEmpty[0] ?? []).slice(0, n);
  return nonEmpty.flat().sort((a, b) => a.change_pos - b.change_pos).slice(0, n);
}

/**
 * Rows at their position in the reader's feed (`feed_pos` as `change_pos`), changed in place:
 * copying each with a rest and a spread cost ≈ 2 µs a row on Node 20, 2 ms a catch-up page.
 */
function atFeedPosition(rows: Array<MessageRow & { feed_pos: number }>): MessageRow[] {
  for (const row of rows) row.change_pos = row.feed_pos;
  return rows;
}

/** A hide as a feed entry: the hidden message as it is now, at the hide's position. */
const atHidePosition = ({ hide_pos, hidden_at: _, ...row }: HiddenRow): MessageRow => ({ ...row, change_pos: hide_pos });

/**
 * The entries of a page with each message once, at its last entry (pure): a message changed and
 * hidden after the cursor has two, and every entry reads the row as it is now, so the later one
 * alone says all. Order is kept.
 */
export function latestEntries(page: readonly MessageRow[]): MessageRow[] {
  const last = new Map<string, number>();
  page.forEach((r, i) => last.set(r.id, i));
  return last.size === page.length ? [...page] : page.filter((r, i) => last.get(r.id) === i);
}

/** A conversation and how to order it: last activity, then its last insert position. */
type Listed = ConversationRecord & { tiebreak: number };

/**
 * Reads that span a user's 1:1 conversations and groups. Each runs in one read transaction, so
 * its statements see one snapshot: a change committed between two of them (by another process
 * on the file) cannot make a page skip a smaller position it did not see.
 */
export function sqliteGroupReads({ db, st, gs }: GroupContext, as: ActionStatements) {
  /**
   * The 1:1 ranges as before, plus one range per period of a group changed since `position`, plus
   * the user's own hides (each at its own position). A message both changed and hidden after the
   * cursor is in two of them: the page keeps its later entry only (latestEntries).
   */
  const changesSince = db.transaction((userId: string, position: number, limit: number, options: FeedOptions = {}): ChangePage => {
    const n = limit + 1;
    const direct = options.omitOwnDelivered
      ? atFeedPosition(st.changesSinceOwnDelivered.all({ userId, position, n }))
      : st.changesSince.all({ userId, position, n });
    const uid = st.uidOf.get(userId);
    const periods = uid === undefined ? [] : gs.changedPeriods.all(uid, position);
    const hidden = uid !== undefined && as.hidesAny.get(uid) === 1;
    const hides = hidden ? as.hidesSince.all({ uid: uid!, position, n }).map(atHidePosition) : [];
    const lists = [direct, ...periods.map((p) => gs.periodChanges.all({ cid: p.cid, position, from: p.from_seq, to: p.to_seq ?? NO_END, n })), hides];
    const rows = mergeByChangePos(lists, n);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const messages = latestEntries(page).map(toMessage);
    return {
      messages: hidden ? withHiddenAt(messages, uid!) : messages,
      position: page.length > 0 ? page[page.length - 1]!.change_pos : position,
      hasMore,
    };
  });

  /** `hiddenAt` on the messages of a page the reader hid (delete for me), in their feed only. */
  function withHiddenAt(messages: Message[], uid: number): Message[] {
    const at = new Map(as.hiddenAmong.all(uid, JSON.stringify(messages.map((m) => m.id))).map((h) => [h.message_id, h.at]));
    return at.size === 0 ? messages : messages.map((m) => (at.has(m.id) ? { ...m, hiddenAt: at.get(m.id)! } : m));
  }

  /** One entry per group the user is or was in, as of their latest period. */
  function groupsOf(uid: number): Listed[] {
    const byGroup = new Map<number, PeriodRow>();
    // Ordered by (cid, from_seq): the last row of each group is the latest period.
    for (const p of gs.userPeriods.all(uid)) byGroup.set(p.cid, p);
    const listed: Listed[] = [];
    for (const [cid, latest] of byGroup) {
      const group = gs.groupByCid.get(cid)!;
      const upper = latest.to_seq ?? group.last_seq;
      const last = gs.messageAt.get(cid, upper);
      const lastMessage = last ? toMessage(last) : null;
      const record = toGroupRecord(group, gs.currentMembers.all(cid));
      listed.push({
        id: group.id,
        type: 'group',
        peerId: null,
        title: group.title,
        members: record.members,
        lastMessage,
        unreadCount: gs.unreadIn.get(cid, latest.read_seq, upper, uid)!,
        updatedAt: lastMessage?.createdAt ?? group.created_at,
        readSeq: latest.read_seq,
        deliveredSeq: latest.delivered_seq, // never below read_seq: markRead moves both (group-receipts.ts)
        tiebreak: upper === group.last_seq ? group.last_pos : 0,
      });
    }
    return listed;
  }

  const listConversations = db.transaction((userId: string): ConversationRecord[] => {
    const direct: Listed[] = st.listConversations.all({ userId }).map((r) => ({
      id: r.id,
      type: 'direct',
      peerId: r.user_a === userId ? r.user_b : r.user_a,
      title: null,
      members: [],
      lastMessage: lastMessageOf(r),
      unreadCount: r.unread_count,
      updatedAt: r.updated_at,
      tiebreak: r.last_pos,
    }));
    const uid = st.uidOf.get(userId);
    const groups = uid === undefined ? [] : groupsOf(uid);
    if (groups.length === 0) return direct.map(strip);
    return [...direct, ...groups]
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : b.tiebreak - a.tiebreak))
      .map(strip);
  });

  /** A group's history is the seqs of the viewer's periods, newest period first until `limit`. */
  function groupHistory(conversationId: string, beforeSeq: number | null, limit: number, viewerId: string | undefined): Message[] {
    const group = gs.group.get(conversationId);
    const uid = viewerId === undefined ? undefined : st.uidOf.get(viewerId);
    if (!group || uid === undefined) return [];
    const below = beforeSeq === null ? NO_END : beforeSeq - 1;
    const newestFirst: MessageRow[] = [];
    for (const p of gs.periodsOf.all(group.cid, uid).reverse()) {
      const to = Math.min(p.to_seq ?? NO_END, below);
      if (to < p.from_seq) continue;
      newestFirst.push(...gs.historyRange.all({ cid: group.cid, from: p.from_seq, to, n: limit - newestFirst.length }));
      if (newestFirst.length >= limit) break;
    }
    return newestFirst.reverse().map(toMessage);
  }

  const groupHistoryTx = db.transaction(groupHistory);

  /** The user's read position in their latest period of the group (it starts at the seq that added them). */
  function readPosition(conversationId: string, userId: string): number | null {
    const group = gs.group.get(conversationId);
    const uid = st.uidOf.get(userId);
    if (!group || uid === undefined) return null;
    return gs.latestPeriod.get(group.cid, uid)?.read_seq ?? null;
  }

  return {
    changesSince: (userId: string, position: number, limit: number, options?: FeedOptions) => changesSince(userId, position, limit, options),
    listConversations: (userId: string) => listConversations(userId),
    groupHistory: (conversationId: string, beforeSeq: number | null, limit: number, viewerId?: string) =>
      groupHistoryTx(conversationId, beforeSeq, limit, viewerId),
    readPosition,
    /** `hiddenAt` on the messages `userId` hid: a history page must not show them to a device of theirs again. */
    hiddenFor(userId: string, messages: Message[]): Message[] {
      const uid = st.uidOf.get(userId);
      return uid !== undefined && messages.length > 0 && as.hidesAny.get(uid) === 1 ? withHiddenAt(messages, uid) : messages;
    },
  };
}

function strip({ tiebreak: _, ...record }: Listed): ConversationRecord {
  return record;
}
