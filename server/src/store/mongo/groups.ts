import { PigeonError, type SystemEvent } from '@pigeon/sync-protocol';
import { decide, initialMembers } from '../../groups/rules.ts';
import { uuidv7 } from '../sqlite/ids.ts';
import type { CreateGroupRequest, GroupChangeRequest, GroupOutcome, GroupRecord, MemberPeriod } from '../store.ts';
import type { MongoContext } from './context.ts';
import { toMessage, type GroupStateDoc, type MessageDoc } from './documents.ts';
import { settleStatuses } from './group-receipts.ts';
import { advanceState, isGroupId, lastSeqOf, latestState, membershipDocs, periodsFrom, stateAt, toGroupRecord } from './group-state.ts';
import { insertNumbered } from './log-insert.ts';
import { messageIdFor } from './message-id.ts';

/**
 * Group creation and changes. Each is one system message, numbered by the same unique
 * insert as any message (log-insert.ts), whose `_id` is derived from (actor, clientId) like a
 * send's: so a change is exactly-once, ordered with the messages around it, and carries the
 * state it leaves (group-state.ts). The rules run in `admit`, on the state at the seq just
 * below the one the message is about to take; an insert refused because another node took
 * that seq decides again on the newer state. No read-modify-write of shared documents.
 */

export async function createGroup(ctx: MongoContext, r: CreateGroupRequest): Promise<GroupOutcome> {
  const { members, others } = initialMembers(r.creatorId, r.memberIds);
  await requireUsers(ctx, members.map((m) => m.userId));
  return ctx.writeLane.run('send', async () => {
    const id = messageIdFor(r.creatorId, r.clientId);
    const before = await ctx.messages.findOne({ _id: id });
    if (before) return replay(ctx, before, null);
    const groupId = `g:${uuidv7()}`;
    const state: GroupStateDoc = { title: r.title, createdBy: r.creatorId, createdAt: r.at, members };
    const event: SystemEvent = { kind: 'group-created', actorId: r.creatorId, userIds: others, title: r.title };
    // Every member's positions start at its seq, so the creation is read by all from the start.
    const doc = { ...systemDoc(id, r.clientId, groupId, r.creatorId, r.at, event, state, members.map((m) => m.userId)), status: 'read' as const };
    ctx.numbering.startsEmpty(groupId);
    const { inserted, stored } = await insertNumbered(ctx, [doc], { seqs: true, ...hook(ctx) });
    const created = inserted[0];
    // Not inserted: the same creator and clientId raced this call from another node (a retry).
    if (!created) return replay(ctx, stored[0]!, null);
    advanceState(ctx, created);
    return { group: toGroupRecord(groupId, state, created.seq), message: toMessage(created), created: true, settled: [] };
  });
}

export async function changeGroup(ctx: MongoContext, r: GroupChangeRequest): Promise<GroupOutcome> {
  const groupId = r.conversationId;
  if (!isGroupId(groupId)) throw new PigeonError('NOT_FOUND', 'no such group');
  if (r.kind === 'add') await requireUsers(ctx, r.userIds);
  return ctx.writeLane.run('send', async () => {
    const id = messageIdFor(r.actorId, r.clientId);
    const before = await ctx.messages.findOne({ _id: id });
    if (before) return replay(ctx, before, groupId);
    const placeholder = systemDoc(id, r.clientId, groupId, r.actorId, r.at, { kind: 'title-changed', actorId: r.actorId }, null, []);
    const result = await insertNumbered(ctx, [placeholder], {
      seqs: true,
      admit: async () => {
        const doc = await decideAtTop(ctx, r, id);
        return doc ? [doc] : [];
      },
      ...hook(ctx),
    }).catch(async (err: unknown) => {
      // The same change, retried on another node, may have committed since the lookup above:
      // decided again on the state it left, it would be a no-op or refused (a member leaving twice).
      const twin = await ctx.messages.findOne({ _id: id });
      if (twin) return { inserted: [], stored: [twin] };
      throw err;
    });
    const changed = result.inserted[0];
    const stored = result.stored[0] ?? (changed ? null : await ctx.messages.findOne({ _id: id }));
    if (stored) return replay(ctx, stored, groupId);
    if (!changed) return { group: (await getGroup(ctx, groupId))!, message: null, created: false, settled: [] };
    advanceState(ctx, changed);
    // A member who left no longer holds statuses back, and a newcomer covers what came before
    // it (which also ends a group's time with a single member, whose statuses stood still).
    // If this process dies first, the next receipt in the group settles them.
    const settled = r.kind === 'rename' ? [] : await settleStatuses(ctx, groupId, ['delivered', 'read'], r.at);
    return { group: toGroupRecord(groupId, changed.state!, changed.seq), message: toMessage(changed), created: true, settled };
  });
}

/**
 * The change's system message, decided on the state at the seq just below the one it will
 * take, or null when the change changes nothing. A refusal or a no-op is only trusted at the
 * group's committed top: this process's guess may be behind (an actor just added through
 * another node would otherwise be refused as a non-member).
 */
async function decideAtTop(ctx: MongoContext, r: GroupChangeRequest, id: string): Promise<MessageDoc | null> {
  const groupId = r.conversationId;
  for (;;) {
    const next = await ctx.numbering.nextSeq(groupId);
    const state = next > 1 ? await stateAt(ctx, groupId, next - 1) : null;
    let error: unknown = null;
    let decision: ReturnType<typeof decide> | null = null;
    if (!state) error = new PigeonError('NOT_FOUND', 'no such group');
    else {
      try {
        decision = decide(state.members, r.actorId, r, state.title, next);
      } catch (err) {
        error = err;
      }
    }
    if (decision?.kind === 'change') {
      const nextState: GroupStateDoc = { ...state!, title: decision.title ?? state!.title, members: decision.members };
      return systemDoc(id, r.clientId, groupId, r.actorId, r.at, decision.event, nextState, decision.event.userIds ?? []);
    }
    if ((await ctx.numbering.refreshSeq(groupId)) !== next - 1) continue;
    if (error) throw error;
    return null;
  }
}

export async function getGroup(ctx: MongoContext, groupId: string): Promise<GroupRecord | null> {
  if (!isGroupId(groupId)) return null;
  const [state, lastSeq] = await Promise.all([latestState(ctx, groupId), lastSeqOf(ctx, groupId)]);
  return state ? toGroupRecord(groupId, state, lastSeq) : null;
}

export async function memberPeriods(ctx: MongoContext, groupId: string, userId: string): Promise<MemberPeriod[]> {
  if (!isGroupId(groupId)) return [];
  return periodsFrom(await membershipDocs(ctx, userId, groupId));
}

/** A change applied before (the same actor and clientId): the stored message, and the group as it is now. */
async function replay(ctx: MongoContext, doc: MessageDoc, groupId: string | null): Promise<GroupOutcome> {
  const expected = groupId === null ? 'group-created' : null;
  if (doc.type !== 'system' || (groupId !== null && doc.conversationId !== groupId) || (expected && doc.system?.kind !== expected)) {
    throw new PigeonError('CONFLICT', 'this clientId was used for another message or change');
  }
  const group = await getGroup(ctx, doc.conversationId);
  return { group: group!, message: toMessage(doc), created: false, settled: [] };
}

async function requireUsers(ctx: MongoContext, ids: readonly string[]): Promise<void> {
  const wanted = [...new Set(ids)];
  const found = await ctx.users.find({ _id: { $in: wanted } }, { projection: { _id: 1 } }).toArray();
  if (found.length < wanted.length) {
    const known = new Set(found.map((u) => u._id));
    throw new PigeonError('NOT_FOUND', 'no such user', { userIds: wanted.filter((u) => !known.has(u)) });
  }
}

function systemDoc(
  id: string,
  clientId: string,
  groupId: string,
  actorId: string,
  at: string,
  system: SystemEvent,
  state: GroupStateDoc | null,
  affects: readonly string[],
): MessageDoc {
  return {
    _id: id,
    clientId,
    conversationId: groupId,
    group: groupId,
    senderId: actorId,
    recipientId: groupId,
    body: '',
    // Numbered by insertNumbered.
    seq: 0,
    changePos: 0,
    createdAt: at,
    status: 'sent',
    type: 'system',
    system,
    ...(state ? { state } : {}),
    ...(affects.length > 0 ? { affects: [...affects] } : {}),
  };
}

function hook(ctx: MongoContext): { beforeInsert?: (docs: readonly MessageDoc[]) => Promise<void> } {
  const beforeInsert = ctx.hooks.beforeInsert;
  return beforeInsert ? { beforeInsert: (docs) => beforeInsert(docs.map(toMessage)) } : {};
}
