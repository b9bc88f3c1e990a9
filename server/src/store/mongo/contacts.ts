import type { ContactsRecord } from '../store.ts';
import type { MongoContext } from './context.ts';
import type { GroupStateDoc } from './documents.ts';
import { latestState, periodsByGroup } from './group-state.ts';

/**
 * Store.contactsOf on MongoDB: the user's conversation documents and the system messages naming
 * them (side by side), then which of the 1:1 conversations hold a message and the current state
 * of the groups they are in. FerretDB scans the collection for any filter but `_id`, so there the
 * second step is one `$or` query (two scans of the messages in all, whatever the number of groups);
 * MongoDB seeks each part on its index.
 */
export async function contactsOf(ctx: MongoContext, userId: string): Promise<ContactsRecord> {
  const [convs, periods] = await Promise.all([
    ctx.conversations.find({ members: userId }, { projection: { members: 1, lastCommittedSeq: 1 } }).toArray(),
    periodsByGroup(ctx, userId),
  ]);
  const peerOf = (members: readonly string[]) => (members[0] === userId ? members[1] : members[0])!;
  // A pointer is only written after its message (send-batch.ts); a conversation without one may
  // have none at all (its only allocation lost a clientId race), which the list leaves out too.
  const unsure = convs.filter((c) => !((c.lastCommittedSeq ?? 0) >= 1));
  const peers = new Set(convs.filter((c) => (c.lastCommittedSeq ?? 0) >= 1).map((c) => peerOf(c.members)));
  // Groups with an open period: the user is a member unless a removal committed since (the state says).
  const open = [...periods].flatMap(([id, ps]) => {
    const last = ps[ps.length - 1];
    return last && last.toSeq === null ? [{ id, fromSeq: last.fromSeq }] : [];
  });

  const held = new Set<string>();
  const states = new Map<string, GroupStateDoc | null>();
  if (ctx.server === 'ferretdb') {
    // The latest state is at or after the system message that added the user.
    const or = [
      ...unsure.map((c) => ({ conversationId: c._id })),
      ...open.map((g) => ({ conversationId: g.id, type: 'system' as const, seq: { $gte: g.fromSeq } })),
    ];
    const latest = new Map<string, { seq: number; state: GroupStateDoc | null }>();
    if (or.length > 0) {
      for (const d of await ctx.messages.find({ $or: or }, { projection: { conversationId: 1, seq: 1, type: 1, state: 1 } }).toArray()) {
        held.add(d.conversationId);
        if (d.type !== 'system') continue;
        const cur = latest.get(d.conversationId);
        if (!cur || d.seq > cur.seq) latest.set(d.conversationId, { seq: d.seq, state: d.state ?? null });
      }
    }
    for (const g of open) states.set(g.id, latest.get(g.id)?.state ?? null);
  } else {
    await Promise.all([
      ...unsure.map(async (c) => {
        if (await ctx.messages.findOne({ conversationId: c._id }, { projection: { _id: 1 } })) held.add(c._id);
      }),
      ...open.map(async (g) => states.set(g.id, await latestState(ctx, g.id))),
    ]);
  }

  for (const c of unsure) if (held.has(c._id)) peers.add(peerOf(c.members));
  const groups: ContactsRecord['groups'] = [];
  for (const g of open) {
    const memberIds = states.get(g.id)?.members.map((m) => m.userId) ?? [];
    if (memberIds.includes(userId)) groups.push({ id: g.id, memberIds });
  }
  return { peerIds: [...peers], groups };
}
