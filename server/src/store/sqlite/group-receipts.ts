import type { Message } from '@pigeon/sync-protocol';
import type { ReceiptRecord } from '../store.ts';
import type { PeriodRow } from './group-statements.ts';
import { groupCoverage, newlyCovered } from './group-settle.ts';
import type { GroupContext } from './groups.ts';
import { toMessage, type MessageRow } from './rows.ts';

/**
 * Group receipts on SQLite (docs/architecture.md, "Groups", "Receipts are positions, not
 * rows"): a receipt moves the member's positions in their latest period and logs the move;
 * when the member is a current one, the statuses the move completes are settled. Every
 * function here runs inside the caller's write transaction.
 */
export function sqliteGroupReceipts({ st, gs }: GroupContext) {
  /**
   * Moves every message the coverage change from `before` to `after` (the current members'
   * periods) newly covers to its new status, each to a new change position.
   */
  function settle(cid: number, lastSeq: number, before: readonly PeriodRow[], after: readonly PeriodRow[], at: string): MessageRow[] {
    const changed: MessageRow[] = [];
    // read first: a message it completes is no longer 'sent' when delivered is settled, so no
    // message takes two positions in one commit.
    for (const kind of ['read', 'delivered'] as const) {
      const positions = (rows: readonly PeriodRow[]) =>
        groupCoverage(rows.map((m) => [m.user_id, kind === 'read' ? m.read_seq : m.delivered_seq] as const));
      const stmt = kind === 'read' ? gs.settleRead : gs.settleDelivered;
      for (const range of newlyCovered(positions(before), positions(after), lastSeq)) {
        const base = st.changePos.get()!;
        const rows = stmt.all({ cid, from: range.from, to: range.to, sender: range.senderId, at, base });
        if (rows.length === 0) continue;
        st.setChangePos.run(base + rows.length);
        changed.push(...rows);
      }
    }
    if (changed.length > 0) gs.setChangedPos.run(st.changePos.get()!, cid);
    return changed;
  }

  /**
   * Moves `uid`'s positions in their latest period of group `cid` up to `deliveredTo` /
   * `readTo` (null: that kind is not asked to move), never past the period's end or the last
   * seq; read implies delivered. Returns the messages whose status changed.
   */
  function move(cid: number, uid: number, deliveredTo: number | null, readTo: number | null, at: string): MessageRow[] {
    const period = gs.latestPeriod.get(cid, uid);
    const group = gs.groupByCid.get(cid);
    if (!period || !group) return [];
    const upper = period.to_seq ?? group.last_seq;
    const read = readTo === null ? period.read_seq : Math.max(period.read_seq, Math.min(readTo, upper));
    const delivered = Math.max(period.delivered_seq, read, deliveredTo === null ? 0 : Math.min(deliveredTo, upper));
    if (read === period.read_seq && delivered === period.delivered_seq) return [];

    const before = period.to_seq === null ? gs.currentMembers.all(cid) : null;
    gs.setPositions.run({ cid, uid, fromSeq: period.from_seq, delivered, read });
    if (delivered > period.delivered_seq) gs.logMove.run(cid, uid, 'delivered', delivered, at);
    if (read > period.read_seq) gs.logMove.run(cid, uid, 'read', read, at);
    // A former member's positions are theirs only (unread count, receipt times): statuses
    // are decided by the current members.
    if (!before) return [];
    const after = before.map((m) => (m.uid === uid ? { ...m, delivered_seq: delivered, read_seq: read } : m));
    return settle(cid, group.last_seq, before, after, at);
  }

  return {
    settle,

    /** markDelivered's group part: per group among the ids, the position moves to the highest seq named. */
    delivered(uid: number, idsJson: string, at: string): MessageRow[] {
      const changed: MessageRow[] = [];
      for (const { cid, seq } of gs.deliveredGroups.all(idsJson)) changed.push(...move(cid, uid, seq, null, at));
      return changed;
    },

    /** markRead in a group: both positions up to upToSeq. */
    read(cid: number, uid: number, upToSeq: number, at: string): MessageRow[] {
      return move(cid, uid, null, upToSeq, at);
    },

    /**
     * Who of the message's period got and read it, and when: the first logged move of each
     * other member to a position at or past its seq, within the period holding it (a later
     * period's first positions are not a receipt of this message).
     */
    receipts(messageId: string): ReceiptRecord[] | null {
      const m = gs.messageById.get(messageId);
      if (!m || m.recipient !== 0) return null;
      return gs.periodsHolding
        .all({ cid: m.cid, seq: m.seq })
        .filter((p) => p.user_id !== m.sender_id)
        .map((p) => {
          const upper = p.to_seq ?? Number.MAX_SAFE_INTEGER;
          return {
            userId: p.user_id,
            deliveredAt: gs.firstMove.get(m.cid, p.uid, 'delivered', m.seq, upper) ?? null,
            readAt: gs.firstMove.get(m.cid, p.uid, 'read', m.seq, upper) ?? null,
          };
        });
    },
  };
}

/** Rows changed in one commit, in their new change order, as messages. */
export const inChangeOrder = (rows: readonly MessageRow[]): Message[] =>
  [...rows].sort((a, b) => a.change_pos - b.change_pos).map(toMessage);
