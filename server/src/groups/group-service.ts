import { randomUUID } from 'node:crypto';
import { PigeonError, type CreateGroupBody } from '@pigeon/sync-protocol';
import type { SendLimit } from '../limits/send-limit.ts';
import type { Fanout } from '../messages/fanout.ts';
import type { BlockList } from '../privacy/blocks.ts';
import type { GroupChange, GroupOutcome, Store } from '../store/store.ts';
import type { GroupRooms } from './group-rooms.ts';
import { isGroupId } from './memberships.ts';
import { conversationState, memberIds } from './summaries.ts';
import { pushStatuses } from '../messages/status-push.ts';

/**
 * Creating and changing groups: the rules run in the store's commit (groups/rules.ts), so this
 * only adds what needs no commit (the block rule), then tells every member's sockets:
 *
 *   1. the current members' sockets enter the group's room (group-rooms.ts; a fallback only)
 *   2. `new-message` with the system message, to the members and whoever the change removed
 *   3. `conversation-updated` with the group as it is now, to the same people
 *   4. the sockets of whoever is no longer a member leave the room
 *   5. `message-status` to the senders of the messages whose status the change moved (a leaver no
 *      longer holds them back, a newcomer ends a lone member's wait), as a receipt's would be
 *
 * Steps 2, 3 and 5 go to the people the commit names (their user rooms), not to the group's room:
 * a node that died right after committing an earlier removal never told the other nodes, whose
 * rooms may still hold the removed member's sockets until it is found dead (docs/reliability.md,
 * C10). The commit's group is the truth, whatever any node's rooms say.
 *
 * Every creation and change counts against the actor's send budget (SEND_RATE_LIMIT, shared with
 * sends): each writes a message into the group's log and reaches every member, like a send, and
 * costs more (the rules read the group). A client looping on renames or adds is refused with
 * RATE_LIMITED before any store work, like one looping on sends.
 *
 * A change the store had already applied (the same actor and clientId again: a retry) announces
 * nothing, since it was announced when made, but repeats steps 1 and 4, which are idempotent: a
 * node that lost the first notice (Redis away) gets its rooms right again.
 */
export class GroupService {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'createGroup' | 'changeGroup'>;
      blocks: Pick<BlockList, 'blockersOf'>;
      fanout: Fanout;
      rooms: GroupRooms;
      /** The per-user send budget (limits/send-limit.ts). */
      rateLimiter: SendLimit;
      now?: () => Date;
    },
  ) {}

  async create(creatorId: string, body: CreateGroupBody): Promise<GroupOutcome> {
    await this.deps.rateLimiter.take(creatorId);
    await this.refuseBlockers(creatorId, body.memberIds, 'memberIds');
    const outcome = await this.deps.store.createGroup({ creatorId, clientId: body.clientId, title: body.title, memberIds: body.memberIds, at: this.at() });
    this.announce(outcome, []);
    return outcome;
  }

  /** `clientId` absent: a new change every time (the contract's bodies have none; the engine sends one). */
  async change(actorId: string, conversationId: string, change: GroupChange, clientId: string = randomUUID()): Promise<GroupOutcome> {
    // A direct conversation has no title or roles to change.
    if (!isGroupId(conversationId)) throw new PigeonError('NOT_FOUND', 'id: no such group');
    await this.deps.rateLimiter.take(actorId);
    if (change.kind === 'add') await this.refuseBlockers(actorId, change.userIds, 'userIds');
    const outcome = await this.deps.store.changeGroup({ conversationId, actorId, clientId, at: this.at(), ...change });
    this.announce(outcome, change.kind === 'remove' ? [change.userId] : []);
    return outcome;
  }

  /**
   * Blocks are between two people and keep applying to 1:1 conversations only (a group's
   * messages reach every member), with one exception, so a block cannot be walked around: nobody
   * can put into a group someone who has blocked them. FORBIDDEN, and nothing is created or
   * added (the whole request is refused, like the store refuses a whole add).
   */
  private async refuseBlockers(actorId: string, userIds: readonly string[], field: string): Promise<void> {
    const blockers = await this.deps.blocks.blockersOf(actorId);
    const refused = userIds.find((id) => blockers.has(id));
    if (refused !== undefined) throw new PigeonError('FORBIDDEN', `${field}: ${refused} cannot be added by you`);
  }

  private announce({ group, message, created, settled }: GroupOutcome, removed: readonly string[]): void {
    const members = memberIds(group);
    const current = new Set(members);
    const leave = removed.filter((id) => !current.has(id));
    if (!message) return; // nothing changed: nothing to tell, nothing to fix
    const { fanout, rooms } = this.deps;
    rooms.changed({ conversationId: group.id, join: members, leave: [] });
    if (created) {
      const told = [...members, ...leave];
      fanout.emit(told, 'new-message', { message });
      fanout.emit(told, 'conversation-updated', { conversation: conversationState(group, message.createdAt) });
    }
    if (leave.length > 0) rooms.changed({ conversationId: group.id, join: [], leave });
    // A member who left no longer holds messages back, and a newcomer ends a lone member's wait: the
    // statuses the change moved go to their senders like a receipt's, members or not (a former member
    // still sees its own messages; docs/reliability.md G5). An online device has nothing else to
    // catch up for, so without this it showed them `sent` until its next reconnect.
    if (created) pushStatuses(fanout, settled, message.createdAt);
  }

  private at(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }
}
