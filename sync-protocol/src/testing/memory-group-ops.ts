/**
 * The in-memory server's group requests (contract v2), answered as the real server answers them:
 * POST /api/conversations → `{ conversation }` (201, or 200 with the same group for a retry);
 * PATCH /api/conversations/:id, POST …/members, DELETE …/members/:userId, PATCH …/members/:userId
 * `{ role: 'admin' }` (make admin) → `{ conversation,
 * message | null }`; GET /api/conversations/:id → `{ conversation }` (members only). Each system
 * message goes out as `new-message` to every member (and to a removed one: their removal), then
 * `conversation-updated` with the group as it is now, and the statuses a change moved as `message-status`.
 */
import { createGroupBodySchema, groupTitleSchema } from '../model/group.ts';
import { userIdSchema } from '../model/user.ts';
import { clientIdSchema } from '../model/message.ts';
import type { GroupChange } from '../engine/transport/transport.ts';
import { parseOrThrow } from '../validate.ts';
import { z } from 'zod';
import { fail } from './fail.ts';
import type { ConversationSummary } from '../model/conversation.ts';
import type { Message } from '../model/message.ts';
import type { Attachment, ReplyRef } from '../model/message-parts.ts';
import type { GroupOutcome, MemoryGroups } from './memory-groups.ts';
import type { MemoryMessages } from './memory-messages.ts';
import type { MemoryRealtime } from './memory-realtime.ts';
import type { MemoryConnection } from './memory-types.ts';

const GROUP_OPS = ['createGroup', 'changeGroup', 'conversation', 'messageReceipts'] as const;
export type GroupOp = (typeof GROUP_OPS)[number];
export const isGroupOp = (op: string): op is GroupOp => (GROUP_OPS as readonly string[]).includes(op);

export interface GroupOpDeps {
  groups: MemoryGroups;
  messages: MemoryMessages;
  realtime: MemoryRealtime;
  hasUser(userId: string): boolean;
}

const changeInputSchema = z.object({
  id: z.string().min(1),
  clientId: clientIdSchema,
  change: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rename'), title: groupTitleSchema }),
    z.object({ kind: z.literal('add'), userIds: z.array(userIdSchema).min(1) }),
    z.object({ kind: z.literal('remove'), userId: userIdSchema }),
    z.object({ kind: z.literal('promote'), userId: userIdSchema }),
  ]),
});

/** Everything of a request that is about a group, for memory-server.ts. */
export class GroupRequests {
  constructor(private readonly deps: GroupOpDeps) {}

  handle(op: GroupOp, me: string, input: unknown): unknown {
    const { groups, hasUser } = this.deps;
    switch (op) {
      case 'createGroup': {
        const body = parseOrThrow(createGroupBodySchema, input);
        const { conversation } = this.answer(me, groups.create(me, body.clientId, body.title, body.memberIds, hasUser));
        return { conversation };
      }
      case 'changeGroup': {
        const { id, clientId, change } = parseOrThrow(changeInputSchema, input);
        return this.answer(me, groups.change(me, id, change as GroupChange, clientId, hasUser));
      }
      case 'messageReceipts':
        return { receipts: groups.receipts(me, idOf(input)) };
      case 'conversation': {
        const id = idOf(input);
        if (!groups.isGroup(id)) throw fail('NOT_FOUND', 'no such conversation');
        if (!groups.isMember(id, me)) throw fail('FORBIDDEN', 'not a member of this conversation');
        return { conversation: groups.summary(id, me) };
      }
    }
  }

  /** Whether `me` may see a message in the change feed: a group's within their periods, a 1:1 one of theirs. */
  sees(me: string, m: Message): boolean {
    return this.deps.groups.isGroup(m.conversationId) ? this.deps.groups.sees(me, m) : m.senderId === me || m.recipientId === me;
  }

  /** The groups in `me`'s conversation list (every group they are or were in). */
  summaries(me: string): ConversationSummary[] {
    return this.deps.groups.groupsOf(me).map((id) => this.deps.groups.summary(id, me));
  }

  /** A group's history is the seqs of the reader's periods (none: FORBIDDEN, not theirs to read). */
  history(me: string, conversationId: string, beforeSeq: number | null, limit: number): Message[] {
    if (!this.deps.groups.groupsOf(me).includes(conversationId)) throw fail('FORBIDDEN', 'id: not a member of this conversation');
    return this.deps.messages
      .rows(conversationId)
      .filter((m) => this.deps.groups.sees(me, m) && (beforeSeq === null || m.seq < beforeSeq))
      .slice(-limit)
      .map((m) => ({ ...m }));
  }

  /** A send into a group: once per (sender, clientId), and only by a current member (FORBIDDEN otherwise). */
  send(me: string, conversationId: string, clientId: string, body: string, from?: MemoryConnection, replyTo?: ReplyRef, attachments?: Attachment[]): Message {
    const { groups, messages, realtime } = this.deps;
    const stored = messages.find(me, clientId);
    if (stored) return stored;
    if (!groups.isMember(conversationId, me)) throw fail('FORBIDDEN', 'not a member of this group');
    const { message } = messages.store({ senderId: me, recipientId: conversationId, conversationId, clientId, body, ...(replyTo ? { replyTo } : {}), ...(attachments ? { attachments } : {}) });
    realtime.emit(groups.memberIds(conversationId), 'new-message', { message }, from);
    return message;
  }

  /** `message-received` naming group messages: positions move, aggregates follow. */
  received(me: string, ids: readonly string[], from?: MemoryConnection): void {
    const inGroups = this.deps.messages.byIds(ids).filter((m) => this.deps.groups.isGroup(m.conversationId));
    this.pushStatuses(me, this.deps.groups.received(me, inGroups), from);
  }

  /** `message-read` in a group. */
  read(me: string, conversationId: string, upToSeq: number, from?: MemoryConnection): void {
    this.pushStatuses(me, this.deps.groups.readUpTo(me, conversationId, upToSeq), from);
    // The reader's other devices: no status may have changed, so they hear the position itself.
    const readSeq = this.deps.groups.readPosition(conversationId, me);
    this.deps.realtime.emit([me], 'read-position', { conversationId, readSeq }, from);
  }

  /** `message-status` for group messages whose aggregate moved, one event per status. */
  private pushStatuses(readerId: string, changed: readonly Message[], from?: MemoryConnection): void {
    for (const status of ['delivered', 'read'] as const) this.deps.realtime.pushStatus(readerId, changed.filter((m) => m.status === status), status, from);
  }

  /** Pushes what a stored change needs pushed, and answers it. */
  private answer(me: string, outcome: GroupOutcome) {
    const { groups, realtime } = this.deps;
    const { conversationId, message, created, audience, raised = [] } = outcome;
    if (created && message) {
      realtime.emit(audience, 'new-message', { message });
      const conversation = { id: conversationId, type: 'group' as const, ...groups.state(conversationId), updatedAt: message.createdAt };
      realtime.emit(audience, 'conversation-updated', { conversation });
    }
    this.pushStatuses(me, raised.filter((m) => m.id !== message?.id));
    return { conversation: groups.summary(conversationId, me), message };
  }
}

const idOf = (input: unknown): string => String((input as { id?: unknown } | null)?.id ?? '');
