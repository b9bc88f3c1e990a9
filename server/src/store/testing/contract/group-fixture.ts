import { PigeonError, type ErrorCode, type Message } from '@pigeon/sync-protocol';
import { expect } from 'vitest';
import { storedMessage, type GroupChange, type GroupOutcome, type SendRequest, type UserRecord } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';

/** Helpers of the group topics (groups-*.ts), on top of the common fixture. */
export interface GroupFixture {
  /** A group created by `creator` with `others`; its id and its group-created message. */
  group(creator: UserRecord, others: readonly UserRecord[], title?: string): Promise<{ id: string; created: Message }>;
  /** A send to a group: `recipientId` is the group's id, as the server passes it. */
  greq(from: UserRecord, groupId: string, body?: string, clientId?: string): SendRequest;
  gsend(from: UserRecord, groupId: string, body?: string, clientId?: string): Promise<Message>;
  change(actor: UserRecord, groupId: string, change: GroupChange, clientId?: string, at?: string): Promise<GroupOutcome>;
  /** The system message of a change that must change something. */
  changed(actor: UserRecord, groupId: string, change: GroupChange): Promise<Message>;
  /** Awaits a rejection with this PigeonError code. */
  rejects(promise: Promise<unknown>, code: ErrorCode): Promise<void>;
  /** The group's messages `viewer` may read, oldest first. */
  historyOf(groupId: string, viewer: UserRecord): Promise<Message[]>;
  /** Every change `viewer` gets from `from` on, drained in small pages. */
  feed(viewer: UserRecord, from?: number): Promise<{ messages: Message[]; position: number }>;
  /** A sorted copy of member ids, for order-free comparisons. */
  ids(users: readonly { id: string }[]): string[];
}

export function createGroupFixture(fx: ContractFixture): GroupFixture {
  let counter = 0;
  const cid = (tag: string) => `${tag}-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
  const now = () => new Date().toISOString();

  const greq = (from: UserRecord, groupId: string, body = 'hello group', clientId = cid('g')): SendRequest => ({
    senderId: from.id,
    recipientId: groupId,
    conversationId: groupId,
    clientId,
    body,
  });

  const change: GroupFixture['change'] = (actor, groupId, c, clientId = cid('change'), at = now()) =>
    fx.store.changeGroup({ conversationId: groupId, actorId: actor.id, clientId, at, ...c });

  return {
    async group(creator, others, title = 'A group') {
      const outcome = await fx.store.createGroup({
        creatorId: creator.id,
        clientId: cid('create'),
        title,
        memberIds: others.map((u) => u.id),
        at: now(),
      });
      return { id: outcome.group.id, created: outcome.message! };
    },

    greq,

    async gsend(from, groupId, body, clientId) {
      const [outcome] = await fx.store.sendMessages([greq(from, groupId, body, clientId)]);
      return storedMessage(outcome!);
    },

    change,

    async changed(actor, groupId, c) {
      const outcome = await change(actor, groupId, c);
      expect(outcome.created).toBe(true);
      expect(outcome.message).not.toBeNull();
      return outcome.message!;
    },

    async rejects(promise, code) {
      const err = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `expected a ${code} rejection`).toBeInstanceOf(PigeonError);
      expect((err as PigeonError).code).toBe(code);
    },

    historyOf: (groupId, viewer) => fx.store.getHistory(groupId, null, 100_000, viewer.id),

    async feed(viewer, from = 0) {
      const { messages, position } = await fx.drainChanges(viewer.id, from, 3);
      return { messages, position };
    },

    ids: (users) => users.map((u) => u.id).sort(),
  };
}
