/**
 * Figure 9's groups: which users form which group (pure, planGroups), and creating them on a
 * target (createGroups): on Pigeon through the public API (`POST /api/conversations`, by the
 * first member, who is admin), on the bare Socket.io server by telling it the rooms
 * (`createGroups` over IPC). Either way the members' sockets, already connected, join the
 * group's room then.
 */
import type { BenchUser } from './load.ts';
import type { Target } from './targets.ts';

/** `floor(users / size)` groups of `size` consecutive user indexes (at least one group). */
export function planGroups(users: number, size: number): number[][] {
  if (!Number.isInteger(size) || size < 2) throw new Error(`group size ${size}: at least 2 members`);
  const n = Math.floor(users / size);
  if (n < 1) throw new Error(`${users} users cannot make a group of ${size}`);
  return Array.from({ length: n }, (_, g) => Array.from({ length: size }, (_, i) => g * size + i));
}

/**
 * Users whose change feeds between them hold every message of these groups (one member of
 * each), so the store check reads a few feeds instead of every member's.
 */
export function coveringMembers(groups: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(groups.map((g) => g[0]!))];
}

export interface CreatedGroup {
  id: string;
  /** User ids, the creator first. */
  members: string[];
}

/** Creates the planned groups; answers their ids in plan order. */
export async function createGroups(target: Target, users: BenchUser[], plan: number[][], tag: string): Promise<CreatedGroup[]> {
  const groups = plan.map((idx) => ({ members: idx.map((i) => users[i]!.id), creator: users[idx[0]!]! }));
  if (target.kind === 'bare') {
    const made = groups.map((g, i) => ({ id: `g:bare-${tag}-${i}`, members: g.members }));
    await target.child.call('createGroups', { groups: made });
    return made;
  }
  const out: CreatedGroup[] = new Array(groups.length);
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const i = next++;
      const g = groups[i]!;
      const res = await fetch(`${target.url}/api/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${g.creator.token}` },
        body: JSON.stringify({ clientId: `benchgroup-${tag}-${i}`, title: `Bench ${g.members.length} #${i}`, memberIds: g.members }),
      });
      if (res.status !== 201) throw new Error(`create group ${i} of ${g.members.length}: HTTP ${res.status} ${await res.text()}`);
      out[i] = { id: ((await res.json()) as { conversation: { id: string } }).conversation.id, members: g.members };
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, groups.length) }, worker));
  return out;
}
