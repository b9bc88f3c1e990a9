import type { Message } from '@pigeon/sync-protocol';
import { periodHolds } from '../groups/memberships.ts';
import type { GroupRecord, MemberPeriod } from '../store/store.ts';

/**
 * Who of a group's current members may see a change of `message` (a `message-updated`): those
 * whose membership periods hold its seq, as for the feed and history. Not the group's room: a
 * member added after the message, or re-added after a gap that holds it, never received it and
 * must not learn its new body or reactions now (found by the chaos harness, `group-privacy`).
 *
 * A member whose current period began at or before the seq held it all along; only the others
 * (added after it: a newcomer, or someone re-added) need their periods read, which is rare.
 */
export async function groupViewers(
  message: Pick<Message, 'seq'>,
  group: Pick<GroupRecord, 'members'>,
  periodsOf: (userId: string) => Promise<MemberPeriod[]>,
): Promise<string[]> {
  const viewers: string[] = [];
  const later: string[] = [];
  for (const m of group.members) (m.sinceSeq <= message.seq ? viewers : later).push(m.userId);
  const earlier = await Promise.all(later.map(async (userId) => ((await periodsOf(userId)).some((p) => periodHolds(p, message.seq)) ? userId : null)));
  return [...viewers, ...earlier.filter((u): u is string => u !== null)];
}
