import type { GroupRecord, MemberPeriod } from '../store.ts';
import type { MongoContext } from './context.ts';
import type { GroupStateDoc, MessageDoc } from './documents.ts';

/**
 * A group's state is never a document that nodes update (FerretDB 1.x updates are
 * read-modify-write without concurrency control: two admins adding at once on two nodes
 * would lose one of the adds). Every system message carries the state its change left
 * (`state`), and takes its seq by the same unique insert as any message, so the state at
 * seq T is the latest system message at or below T, and it is gap-free and totally ordered
 * with the messages around it by construction. Reading it is one seek on
 * `(conversationId, type, seq)`; a process also keeps the state as of the last seq it saw
 * committed, and then reads only the system messages after it (usually none).
 */

/** A group's conversation id: `g:` + a UUIDv7 (docs/architecture.md, "Groups"). */
export const isGroupId = (conversationId: string): boolean => conversationId.startsWith('g:');

const SYSTEM_PROJECTION = { state: 1, seq: 1 } as const;

/**
 * The group's state after every message up to and including seq `asOf` (which must be
 * committed, with everything below it), or null when no group message is there: unknown group.
 */
export async function stateAt(ctx: MongoContext, groupId: string, asOf: number): Promise<GroupStateDoc | null> {
  const cached = ctx.groupStates.get(groupId);
  if (cached && cached.asOf === asOf) return cached.state;
  const since = cached && cached.asOf < asOf ? cached.asOf : 0;
  const [latest] = await ctx.messages
    .find({ conversationId: groupId, type: 'system', seq: { $gt: since, $lte: asOf } }, { projection: SYSTEM_PROJECTION })
    .sort({ seq: -1 })
    .limit(1)
    .toArray();
  const state = latest?.state ?? (since > 0 ? cached!.state : null);
  ctx.groupStates.set(groupId, { asOf, state });
  return state;
}

/** The state as of now (the latest system message), uncached: for reads and receipts, which must see the newest. */
export async function latestState(ctx: MongoContext, groupId: string): Promise<GroupStateDoc | null> {
  const [latest] = await ctx.messages
    .find({ conversationId: groupId, type: 'system' }, { projection: SYSTEM_PROJECTION })
    .sort({ seq: -1 })
    .limit(1)
    .toArray();
  return latest?.state ?? null;
}

/** The group's largest committed seq (0: no message). */
export async function lastSeqOf(ctx: MongoContext, groupId: string): Promise<number> {
  const [top] = await ctx.messages.find({ conversationId: groupId }, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).toArray();
  return top?.seq ?? 0;
}

/** After this process stored `doc` at its seq, having checked the state at the seq before: the state moves along. */
export function advanceState(ctx: MongoContext, doc: Pick<MessageDoc, 'conversationId' | 'seq' | 'state'>): void {
  const cached = ctx.groupStates.get(doc.conversationId);
  if (doc.state) ctx.groupStates.set(doc.conversationId, { asOf: doc.seq, state: doc.state });
  else if (cached && cached.asOf === doc.seq - 1) ctx.groupStates.set(doc.conversationId, { asOf: doc.seq, state: cached.state });
}

export function toGroupRecord(id: string, state: GroupStateDoc, lastSeq: number): GroupRecord {
  return { id, title: state.title, createdBy: state.createdBy, createdAt: state.createdAt, members: state.members, lastSeq };
}

/**
 * System messages of the kinds that add the users they affect, and of those that remove them.
 * A promotion names its user too (`affects`) but changes no membership: it neither opens nor
 * closes a period (read as a removal, it cut the promoted member off the group's later messages).
 */
const ADDS = new Set(['group-created', 'members-added']);
const REMOVES = new Set(['member-removed', 'member-left']);

type MembershipDoc = Pick<MessageDoc, 'conversationId' | 'seq' | 'system'>;

/**
 * The system messages that added or removed `userId` (in one group, or in all), oldest first:
 * what periods are made of.
 */
export async function membershipDocs(ctx: MongoContext, userId: string, groupId?: string): Promise<MembershipDoc[]> {
  return ctx.messages
    .find(groupId ? { affects: userId, conversationId: groupId } : { affects: userId }, { projection: { conversationId: 1, seq: 1, system: 1 } })
    .sort({ conversationId: 1, seq: 1 })
    .toArray();
}

/** `docs` (one group's, oldest first) as the user's periods. */
export function periodsFrom(docs: readonly MembershipDoc[]): MemberPeriod[] {
  const periods: MemberPeriod[] = [];
  for (const d of docs) {
    const open = periods.length > 0 && periods[periods.length - 1]!.toSeq === null;
    if (ADDS.has(d.system!.kind)) {
      if (!open) periods.push({ fromSeq: d.seq, toSeq: null });
    } else if (open && REMOVES.has(d.system!.kind)) {
      periods[periods.length - 1]!.toSeq = d.seq;
    }
  }
  return periods;
}

/** Every group the user has a period in, with the periods. */
export async function periodsByGroup(ctx: MongoContext, userId: string): Promise<Map<string, MemberPeriod[]>> {
  return (await periodsAndChanges(ctx, userId)).periods;
}

/** A membership change of a group as `<group>:<seq>`. */
export const changeKey = (d: Pick<MessageDoc, 'conversationId' | 'seq'>): string => `${d.conversationId}:${d.seq}`;

/** periodsByGroup, and the system messages naming the user they were made of (changeKey). */
export async function periodsAndChanges(ctx: MongoContext, userId: string): Promise<{ periods: Map<string, MemberPeriod[]>; changes: Set<string> }> {
  const byGroup = new Map<string, MembershipDoc[]>();
  const changes = new Set<string>();
  for (const d of await membershipDocs(ctx, userId)) {
    changes.add(changeKey(d));
    const list = byGroup.get(d.conversationId);
    if (list) list.push(d);
    else byGroup.set(d.conversationId, [d]);
  }
  return { periods: new Map([...byGroup].map(([g, docs]) => [g, periodsFrom(docs)])), changes };
}

/** Whether seq `s` lies in one of the periods. */
export const inPeriods = (periods: readonly MemberPeriod[], s: number): boolean =>
  periods.some((p) => s >= p.fromSeq && (p.toSeq === null || s <= p.toSeq));

/** Filters on `field` matching the seqs of the periods (and below `before` when given), one per period. */
export function periodFilter(field: 'seq' | 'messageSeq', periods: readonly MemberPeriod[], before?: number): Record<string, unknown>[] {
  return periods.map((p) => {
    const bound: Record<string, number> = { $gte: p.fromSeq };
    if (p.toSeq !== null) bound.$lte = p.toSeq;
    if (before !== undefined) bound.$lt = before;
    return { [field]: bound };
  });
}
