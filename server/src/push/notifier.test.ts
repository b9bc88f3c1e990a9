import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import type { GroupRecord, PushSubscriptionRecord, UserRecord } from '../store/store.ts';
import type { PushJob } from './dispatcher.ts';
import { PushNotifier, type NotifierStore } from './notifier.ts';

const log = pino({ level: 'silent' });
const sub = (userId: string, n: number, preview = true): PushSubscriptionRecord => ({ userId, endpoint: `https://push.example/${userId}/${n}`, p256dh: 'p', auth: 'a', preview, savedAt: '2026-01-01T00:00:00Z' });
const msg = (over: Partial<Message>): Message => ({ id: 'm', clientId: 'cccccccc', conversationId: 'a_b', senderId: 'a', recipientId: 'b', body: 'hi', seq: 1, createdAt: '2026-01-01T00:00:00Z', status: 'sent', ...over });

/** An in-memory NotifierStore that counts its reads. */
function fakeStore(o: { subs: PushSubscriptionRecord[]; groups?: GroupRecord[]; muted?: Record<string, string[]> }) {
  const reads: string[] = [];
  const groupOf = async (id: string) => {
    reads.push(`groupOf ${id}`);
    return o.groups?.find((g) => g.id === id) ?? null;
  };
  const store: NotifierStore = {
    async getUsers(ids) {
      reads.push('getUsers');
      return ids.map((id) => ({ id, displayName: id.toUpperCase() }) as UserRecord);
    },
    async mutedAmong(conversationId, userIds) {
      reads.push(`mutedAmong ${conversationId}`);
      return userIds.filter((u) => o.muted?.[conversationId]?.includes(u));
    },
    async pushSubscriptionsOf(userIds) {
      reads.push(`subs ${[...userIds].sort().join(',')}`);
      return o.subs.filter((s) => userIds.includes(s.userId));
    },
  };
  return { store, groupOf, reads };
}

const group = (id: string, members: string[]): GroupRecord => ({ id, title: 'T', createdBy: members[0]!, createdAt: '', lastSeq: 1, members: members.map((userId, i) => ({ userId, role: 'member', sinceSeq: i }) as GroupRecord['members'][number]) });

describe('PushNotifier', () => {
  it('one batch of messages costs one subscriptions read; each subscription gets its payload (preview or not); sender and muted skipped', async () => {
    const { store, groupOf, reads } = fakeStore({ subs: [sub('b', 1), sub('b', 2, false), sub('c', 1), sub('a', 1)], groups: [group('g:1', ['a', 'b', 'c'])], muted: { 'g:1': ['c'] } });
    const jobs: PushJob[] = [];
    const n = new PushNotifier({ store, groupOf, enqueue: (j) => jobs.push(j), log });
    n.messageStored(msg({ id: 'm1' }));
    n.messageStored(msg({ id: 'm2', conversationId: 'g:1', recipientId: 'g:1', body: 'group hi' }));
    await n.idle();
    expect(reads.filter((r) => r.startsWith('subs'))).toEqual(['subs b,c']);
    expect(jobs.map((j) => [j.endpoint, JSON.parse(j.payload).messageId, JSON.parse(j.payload).text, j.urgency])).toEqual([
      ['https://push.example/b/1', 'm1', 'hi', 'high'],
      ['https://push.example/b/2', 'm1', null, 'high'],
      ['https://push.example/b/1', 'm2', 'group hi', 'normal'],
      ['https://push.example/b/2', 'm2', null, 'normal'],
    ]);
    expect(JSON.parse(jobs[2]!.payload)).toMatchObject({ groupTitle: 'T', sender: { id: 'a', displayName: 'A' } });
  });

  it("a commit's group messages ask groupOf (this node's copy) once per group, never the store", async () => {
    const { store, groupOf, reads } = fakeStore({ subs: [sub('b', 1)], groups: [group('g:1', ['a', 'b']), group('g:2', ['a', 'c'])] });
    const n = new PushNotifier({ store, groupOf, enqueue: () => {}, log });
    for (const [id, g] of [['m1', 'g:1'], ['m2', 'g:1'], ['m3', 'g:2']]) n.messageStored(msg({ id, conversationId: g, recipientId: g }));
    await n.idle();
    expect(reads.filter((r) => r.startsWith('groupOf')).sort()).toEqual(['groupOf g:1', 'groupOf g:2']);
  });

  it("a group message goes to the members its commit read (viewers), not the node's copy, which may lag a change", async () => {
    // The node's copy still lists Carol (her removal's notice not here yet) and not Erin (just added).
    const { store, groupOf } = fakeStore({ subs: [sub('b', 1), sub('c', 1), sub('e', 1)], groups: [group('g:1', ['a', 'b', 'c'])] });
    const jobs: PushJob[] = [];
    const n = new PushNotifier({ store, groupOf, enqueue: (j) => jobs.push(j), log });
    n.messageStored(msg({ id: 'm1', conversationId: 'g:1', recipientId: 'g:1' }), ['a', 'b', 'e']);
    // A send without viewers (a store that does not say) falls back on the copy.
    n.messageStored(msg({ id: 'm2', conversationId: 'g:1', recipientId: 'g:1' }));
    await n.idle();
    expect(jobs.map((j) => [JSON.parse(j.payload).messageId, j.endpoint.split('/')[3]])).toEqual([
      ['m1', 'b'],
      ['m1', 'e'],
      ['m2', 'b'],
      ['m2', 'c'],
    ]);
    expect(JSON.parse(jobs[1]!.payload)).toMatchObject({ groupTitle: 'T' });
  });

  it('no subscribed recipient: no mute or user reads; system messages are skipped outright', async () => {
    const { store, groupOf, reads } = fakeStore({ subs: [] });
    const jobs: PushJob[] = [];
    const n = new PushNotifier({ store, groupOf, enqueue: (j) => jobs.push(j), log });
    n.messageStored(msg({}));
    n.messageStored(msg({ id: 's', type: 'system' }));
    await n.idle();
    expect(reads).toEqual(['subs b']);
    expect(jobs).toEqual([]);
  });

  it('a failing store read is logged, not thrown; later messages still go', async () => {
    const { store, groupOf } = fakeStore({ subs: [sub('b', 1)] });
    let fail = true;
    const flaky: NotifierStore = { ...store, pushSubscriptionsOf: (ids) => (fail ? Promise.reject(new Error('down')) : store.pushSubscriptionsOf(ids)) };
    const jobs: PushJob[] = [];
    const n = new PushNotifier({ store: flaky, groupOf, enqueue: (j) => jobs.push(j), log });
    n.messageStored(msg({ id: 'lost' }));
    await n.idle();
    fail = false;
    n.messageStored(msg({ id: 'sent' }));
    await n.idle();
    expect(jobs.map((j) => JSON.parse(j.payload).messageId)).toEqual(['sent']);
  });
});
