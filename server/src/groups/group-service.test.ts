import { describe, expect, it } from 'vitest';
import { PigeonError, type Message } from '@pigeon/sync-protocol';
import type { Fanout } from '../messages/fanout.ts';
import type { GroupChangeRequest, GroupOutcome, GroupRecord } from '../store/store.ts';
import type { GroupRooms, MembershipChange } from './group-rooms.ts';
import { GroupService } from './group-service.ts';

const group = (members: string[]): GroupRecord => ({
  id: 'g:1',
  title: 'title',
  createdBy: 'a',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeq: 2,
  members: members.map((userId, i) => ({ userId, role: i === 0 ? 'admin' : 'member', sinceSeq: 1 })),
});
const system = (seq: number): Message => ({
  id: `m${seq}`, clientId: `c${seq}`, conversationId: 'g:1', senderId: 'a', recipientId: 'g:1', body: '', seq, createdAt: '2026-01-01T00:00:01.000Z', status: 'sent', type: 'system',
});

function setup(outcome: GroupOutcome, blockersOfA: string[] = []) {
  const log: string[] = [];
  const requests: GroupChangeRequest[] = [];
  const budget = { left: 100, used: [] as string[] };
  const fanout: Fanout = {
    emit: (userIds, event, payload) =>
      void log.push(event === 'message-status' ? `${event} ${(payload as { status: string; messageIds: string[] }).status} [${(payload as { messageIds: string[] }).messageIds}] to [${userIds}]` : `${event} to [${userIds}]`),
    toConversation: (id, event) => void log.push(`${event} to ${id}`),
  };
  const rooms: GroupRooms = {
    changed: ({ join, leave }: MembershipChange) => void log.push(`rooms join [${join}] leave [${leave}]`),
    prepare: async () => {},
    joinOnConnect: () => {},
    resync: async () => {},
  };
  const service = new GroupService({
    store: {
      createGroup: async () => outcome,
      changeGroup: async (request) => (requests.push(request), outcome),
    },
    blocks: { blockersOf: async (id) => new Set(id === 'a' ? blockersOfA : []) },
    fanout,
    rooms,
    rateLimiter: {
      take: async (userId) => {
        if (budget.used.length >= budget.left) throw new PigeonError('RATE_LIMITED', 'too many messages, slow down');
        budget.used.push(userId);
      },
    },
  });
  return { service, log, requests, budget };
}

describe('GroupService', () => {
  it('a new group: its members enter the room, then hear the system message and the group', async () => {
    const { service, log } = setup({ group: group(['a', 'b', 'c']), message: system(1), created: true, settled: [] });
    await service.create('a', { clientId: 'client-1', title: 'title', memberIds: ['b', 'c'] });
    expect(log).toEqual(['rooms join [a,b,c] leave []', 'new-message to [a,b,c]', 'conversation-updated to [a,b,c]']);
  });

  // To the people the commit names, never to the group's room: a room may still hold someone
  // removed through a node that died before telling the others (docs/reliability.md, C10).
  it('a removal: the members and the removed member hear it, then the removed member leaves the room', async () => {
    const { service, log, requests } = setup({ group: group(['a', 'b']), message: system(3), created: true, settled: [] });
    await service.change('a', 'g:1', { kind: 'remove', userId: 'c' }, 'client-2');
    expect(requests[0]).toMatchObject({ conversationId: 'g:1', actorId: 'a', clientId: 'client-2', kind: 'remove', userId: 'c' });
    expect(log).toEqual(['rooms join [a,b] leave []', 'new-message to [a,b,c]', 'conversation-updated to [a,b,c]', 'rooms join [] leave [c]']);
  });

  it('the statuses a change moved go to their senders, members or not, one event per status', async () => {
    const moved = (id: string, senderId: string, status: Message['status']): Message => ({ ...system(2), id, senderId, type: 'text', body: 'x', status });
    const settled = [moved('m1', 'c', 'read'), moved('m2', 'a', 'delivered'), moved('m3', 'c', 'delivered')];
    const { service, log } = setup({ group: group(['a', 'b']), message: system(3), created: true, settled });
    await service.change('a', 'g:1', { kind: 'remove', userId: 'c' });
    expect(log.slice(4)).toEqual(['message-status read [m1] to [c]', 'message-status delivered [m2,m3] to [a,c]']);
    // A retry of that change moved nothing new (the store answers settled: []): nothing is told again.
    const retried = setup({ group: group(['a', 'b']), message: system(3), created: false, settled: [] });
    await retried.service.change('a', 'g:1', { kind: 'remove', userId: 'c' });
    expect(retried.log.filter((l) => l.startsWith('message-status'))).toEqual([]);
  });

  it('a retried change announces nothing but sets the rooms again; a change of nothing does nothing', async () => {
    const retried = setup({ group: group(['a', 'b']), message: system(3), created: false, settled: [] });
    await retried.service.change('a', 'g:1', { kind: 'remove', userId: 'c' }, 'client-2');
    expect(retried.log).toEqual(['rooms join [a,b] leave []', 'rooms join [] leave [c]']);
    const none = setup({ group: group(['a', 'b']), message: null, created: false, settled: [] });
    await none.service.change('a', 'g:1', { kind: 'rename', title: 'title' });
    expect(none.log).toEqual([]);
    expect(none.requests[0]!.clientId).toMatch(/^[0-9a-f-]{36}$/); // no clientId given: a fresh one
  });

  it('nobody is put into a group by someone they blocked; a direct conversation is no group', async () => {
    const { service, log, requests } = setup({ group: group(['a', 'b']), message: system(1), created: true, settled: [] }, ['c']);
    await expect(service.create('a', { clientId: 'client-1', title: 't', memberIds: ['b', 'c'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.change('a', 'g:1', { kind: 'add', userIds: ['c'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.change('a', 'dm:a:b', { kind: 'rename', title: 'x' })).rejects.toEqual(new PigeonError('NOT_FOUND', 'id: no such group'));
    expect(requests).toEqual([]);
    expect(log).toEqual([]);
  });

  it('every creation and change takes from the actor’s send budget; over it, RATE_LIMITED before any store work', async () => {
    const { service, log, requests, budget } = setup({ group: group(['a', 'b']), message: system(2), created: true, settled: [] });
    budget.left = 2;
    await service.create('a', { clientId: 'client-1', title: 't', memberIds: ['b'] });
    await service.change('a', 'g:1', { kind: 'rename', title: 'x' });
    expect(budget.used).toEqual(['a', 'a']);
    const entries = log.length;
    await expect(service.change('a', 'g:1', { kind: 'rename', title: 'y' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(service.create('a', { clientId: 'client-2', title: 't', memberIds: ['b'] })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(requests).toHaveLength(1);
    expect(log).toHaveLength(entries);
  });
});
