import { directConversationId } from '@pigeon/sync-protocol';
import { isGroupId } from '../groups/memberships.ts';
import type { Logger } from '../log.ts';
import type { Fanout } from '../messages/fanout.ts';
import type { BlockList } from '../privacy/blocks.ts';
import type { Store } from '../store/store.ts';
import type { TypingEmit } from './typing.ts';

/**
 * Where a typing indicator goes. TypingTracker keys it by (typist, target): the target is the
 * peer of a 1:1 conversation or a group's id. In a group it goes to every member's sockets but
 * the typist's own, and never to anyone on either side of a block with the typist: blocks hide
 * typing in groups too, as they hide presence (privacy/audience.ts).
 *
 * A group's members are read from the store for each indicator passed on, not taken from this
 * node's cache or the group's Socket.io room: after a node died before telling the others of a
 * membership change, both may be stale until it is found dead (docs/reliability.md C10), and a
 * removed member would see, or show, "typing…" meanwhile. It costs one read by id per group
 * indicator passed on: TypingTracker passes on a renewal at most every half TTL per pair.
 * A start from someone no longer a member goes nowhere; a stop goes to the members either way
 * (it reveals nothing, and ends an indicator shown before the removal).
 */
export function createTypingEmit(
  fanout: Fanout,
  blocks: Pick<BlockList, 'blockedBy' | 'blockersOf'>,
  store: Pick<Store, 'getGroup'>,
  log: Logger,
): TypingEmit {
  // The reads of one pair finish in the order they were made: a stop never overtakes its start.
  const chains = new Map<string, Promise<void>>();
  const toGroup = async (from: string, to: string, event: 'typing' | 'typing-stopped') => {
    const [group, blocked, blockers] = await Promise.all([store.getGroup(to), blocks.blockedBy(from), blocks.blockersOf(from)]);
    if (!group) return;
    if (event === 'typing' && !group.members.some((m) => m.userId === from)) return;
    const hidden = new Set([from, ...blocked, ...blockers]);
    const audience = group.members.map((m) => m.userId).filter((id) => !hidden.has(id));
    if (audience.length > 0) fanout.emit(audience, event, { from, conversationId: to });
  };
  return (from, to, event) => {
    if (!isGroupId(to)) {
      fanout.emit([to], event, { from, conversationId: directConversationId(from, to) });
      return;
    }
    const pair = `${from}\n${to}`;
    const next = (chains.get(pair) ?? Promise.resolve())
      .then(() => toGroup(from, to, event))
      .catch((err: unknown) => log.warn({ err, from, conversationId: to }, 'group typing not sent: members or block lists unreadable'));
    chains.set(pair, next);
    void next.then(() => {
      if (chains.get(pair) === next) chains.delete(pair);
    });
  };
}
