import { PigeonError, type SystemEvent } from '@pigeon/sync-protocol';
import { decide, initialMembers } from '../../groups/rules.ts';
import type { CreateGroupRequest, GroupChangeRequest, GroupMemberRecord, GroupOutcome, GroupRecord, MemberPeriod } from '../store.ts';
import type { SqliteDatabase } from './database.ts';
import type { GroupRow, GroupStatements, PeriodRow } from './group-statements.ts';
import { uuidv7 } from './ids.ts';
import { toMessage, type MessageRow } from './rows.ts';
import type { Statements } from './statements.ts';
import { inChangeOrder, sqliteGroupReceipts } from './group-receipts.ts';

/** What the group modules share: the connection, both statement sets, the cached uid lookup. */
export interface GroupContext {
  db: SqliteDatabase;
  st: Statements;
  gs: GroupStatements;
  /** A user's uid; PigeonError NOT_FOUND for an unknown user. */
  uidOf(userId: string): number;
}

const toMember = (p: PeriodRow): GroupMemberRecord => ({ userId: p.user_id, role: p.role, sinceSeq: p.from_seq });

export const toGroupRecord = (g: GroupRow, members: readonly PeriodRow[]): GroupRecord => ({
  id: g.id,
  title: g.title,
  createdBy: g.created_by,
  createdAt: g.created_at,
  members: members.map(toMember),
  lastSeq: g.last_seq,
});

/**
 * Group creation and changes on SQLite. Each runs in one BEGIN IMMEDIATE transaction: the
 * rules (groups/rules.ts) decide on the members read inside it, and the system message, the
 * periods and the statuses the change settles commit together or not at all.
 */
export function sqliteGroups(ctx: GroupContext) {
  const { db, st, gs, uidOf } = ctx;
  const receipts = sqliteGroupReceipts(ctx);

  const recordOf = (cid: number): GroupRecord => toGroupRecord(gs.groupByCid.get(cid)!, gs.currentMembers.all(cid));

  /** The earlier outcome of a repeated (actor, clientId): its message must be this kind of change. */
  function repeated(row: MessageRow, conversationId: string | null, creation: boolean): GroupOutcome {
    const event = row.system === null ? null : (JSON.parse(row.system) as SystemEvent);
    const sameKind = event !== null && (event.kind === 'group-created') === creation;
    if (!sameKind || (conversationId !== null && row.conversation_id !== conversationId)) {
      throw new PigeonError('CONFLICT', 'this clientId was used for another message');
    }
    const group = gs.group.get(row.conversation_id)!;
    return { group: recordOf(group.cid), message: toMessage(row), created: false, settled: [] };
  }

  function insertSystem(cid: number, r: { id: string; actorUid: number; actorId: string; clientId: string; seq: number; at: string }, event: SystemEvent, status: 'sent' | 'read') {
    const pos = st.changePos.get()! + 1;
    const messageId = uuidv7();
    gs.insertSystemMessage.run({
      id: messageId, clientId: r.clientId, cid, sender: r.actorUid, conversationId: r.id, senderId: r.actorId,
      seq: r.seq, at: r.at, status, system: JSON.stringify(event), pos,
    });
    st.setChangePos.run(pos);
    return { messageId, pos };
  }

  /** A new period of `userId` from `seq`, and its first positions in the move log. */
  function openPeriod(cid: number, uid: number, userId: string, seq: number, role: GroupMemberRecord['role'], at: string) {
    gs.openPeriod.run({ cid, uid, userId, fromSeq: seq, role });
    gs.logMove.run(cid, uid, 'delivered', seq, at);
    gs.logMove.run(cid, uid, 'read', seq, at);
  }

  const create = db.transaction((r: CreateGroupRequest): GroupOutcome => {
    const creatorUid = uidOf(r.creatorId);
    const earlier = st.messageBySenderClient.get(creatorUid, r.clientId);
    if (earlier) return repeated(earlier, null, true);
    const { members, others } = initialMembers(r.creatorId, r.memberIds);
    // Every member must be a user before anything is written (the throw rolls back anyway).
    const uids = new Map(members.map((m) => [m.userId, uidOf(m.userId)]));

    const id = `g:${uuidv7()}`;
    const pos = st.changePos.get()! + 1;
    const cid = gs.insertGroup.get({ id, title: r.title, createdBy: r.creatorId, at: r.at, pos })!;
    // Every member's positions start at seq 1, so the creation is read by all from the start.
    const event: SystemEvent = { kind: 'group-created', actorId: r.creatorId, userIds: others, title: r.title };
    const { messageId } = insertSystem(cid, { id, actorUid: creatorUid, actorId: r.creatorId, clientId: r.clientId, seq: 1, at: r.at }, event, 'read');
    for (const m of members) openPeriod(cid, uids.get(m.userId)!, m.userId, 1, m.role, r.at);
    return { group: recordOf(cid), message: toMessage(gs.messageById.get(messageId)!), created: true, settled: [] };
  });

  const change = db.transaction((r: GroupChangeRequest): GroupOutcome => {
    const actorUid = uidOf(r.actorId);
    const group = gs.group.get(r.conversationId);
    if (!group) throw new PigeonError('NOT_FOUND', `no such group ${r.conversationId}`);
    const earlier = st.messageBySenderClient.get(actorUid, r.clientId);
    if (earlier) return repeated(earlier, r.conversationId, false);

    const before = gs.currentMembers.all(group.cid);
    const seq = group.last_seq + 1;
    const decision = decide(before.map(toMember), r.actorId, r, group.title, seq);
    if (decision.kind === 'none') return { group: toGroupRecord(group, before), message: null, created: false, settled: [] };

    const present = new Map(before.map((p) => [p.user_id, p]));
    const added = decision.members.filter((m) => !present.has(m.userId)).map((m) => ({ ...m, uid: uidOf(m.userId) }));
    const { messageId, pos } = insertSystem(
      group.cid, { id: group.id, actorUid, actorId: r.actorId, clientId: r.clientId, seq, at: r.at }, decision.event, 'sent',
    );
    gs.advanceGroup.run({ cid: group.cid, seq, at: r.at, pos });
    if (decision.title !== undefined) gs.setTitle.run(decision.title, group.cid);

    const staying = new Set(decision.members.map((m) => m.userId));
    // A removed member's period closes at the removal's seq: they receive that message.
    for (const p of before) if (!staying.has(p.user_id)) gs.closePeriod.run(seq, group.cid, p.uid);
    for (const m of decision.members) {
      const p = present.get(m.userId);
      if (p && p.role !== m.role) gs.setRole.run(m.role, group.cid, p.uid);
    }
    for (const m of added) openPeriod(group.cid, m.uid, m.userId, seq, m.role, r.at);

    // A leaver no longer holds messages back; a newcomer starts past everything there is.
    const after = gs.currentMembers.all(group.cid);
    const settled = inChangeOrder(receipts.settle(group.cid, seq, before, after, r.at));
    return { group: recordOf(group.cid), message: toMessage(gs.messageById.get(messageId)!), created: true, settled };
  });

  return {
    receipts,
    createGroup: (r: CreateGroupRequest) => create.immediate(r),
    changeGroup: (r: GroupChangeRequest) => change.immediate(r),

    getGroup(conversationId: string): GroupRecord | null {
      const group = gs.group.get(conversationId);
      return group ? toGroupRecord(group, gs.currentMembers.all(group.cid)) : null;
    },

    memberPeriods(conversationId: string, userId: string): MemberPeriod[] {
      const group = gs.group.get(conversationId);
      const uid = st.uidOf.get(userId);
      if (!group || uid === undefined) return [];
      return gs.periodsOf.all(group.cid, uid).map((p) => ({ fromSeq: p.from_seq, toSeq: p.to_seq }));
    },
  };
}
