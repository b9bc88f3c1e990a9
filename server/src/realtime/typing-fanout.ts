import { directConversationId } from '@pigeon/sync-protocol';
import { isGroupId } from '../groups/memberships.ts';
import type { Logger } from '../log.ts';
import type { Fanout } from '../messages/fanout.ts';
import type { BlockList } from '../privacy/blocks.ts';
import type { TypingEmit } from './typing.ts';

/**
 * Where a typing indicator goes. TypingTracker keys it by (typist, target): the target is the
 * peer of a 1:1 conversation or a group's id. In a group it goes to every member's sockets
 * (the group's room) but the typist's own, and never to anyone on either side of a block with
 * the typist: blocks hide typing in groups too, as they hide presence (privacy/audience.ts).
 */
export function createTypingEmit(fanout: Fanout, blocks: Pick<BlockList, 'blockedBy' | 'blockersOf'>, log: Logger): TypingEmit {
  return (from, to, event) => {
    if (!isGroupId(to)) {
      fanout.emit([to], event, { from, conversationId: directConversationId(from, to) });
      return;
    }
    // Cached lists: a start and its stop resolve in the order they were made.
    Promise.all([blocks.blockedBy(from), blocks.blockersOf(from)]).then(
      ([blocked, blockers]) => fanout.toConversation(to, event, { from, conversationId: to }, { userIds: [from, ...blocked, ...blockers] }),
      (err: unknown) => log.warn({ err, from, conversationId: to }, 'group typing not sent: block lists unreadable'),
    );
  };
}
