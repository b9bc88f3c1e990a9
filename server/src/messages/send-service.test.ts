import { describe, expect, it } from 'vitest';
import { PigeonError, type Message } from '@pigeon/sync-protocol';
import { Audience } from '../privacy/audience.ts';
import { BlockList } from '../privacy/blocks.ts';
import { Contacts } from '../privacy/contacts.ts';
import { pino } from 'pino';
import { createLimiterFactory } from '../limits/limiter.ts';
import { createSendLimit } from '../limits/send-limit.ts';
import type { SendOutcome, SendRequest } from '../store/store.ts';
import { UserDirectory } from '../users/user-directory.ts';
import type { Fanout } from './fanout.ts';
import { SendBatcher } from './send-batcher.ts';
import { SendService } from './send-service.ts';

/** `gate`: every commit waits for it; `failing`: a commit holding one of these clientIds fails (the store down for it). */
function setup(limit = 0, blocked: Record<string, string[]> = {}, store: { gate?: Promise<void>; failing?: ReadonlySet<string> } = {}) {
  const committed: SendRequest[][] = [];
  const emitted: { userIds?: readonly string[]; conversationId?: string; event: string; except?: unknown }[] = [];
  let seq = 0;
  const batcher = new SendBatcher<SendRequest, SendOutcome>({
    commit: async (batch) => {
      committed.push([...batch]);
      await store.gate;
      if (batch.some((r) => store.failing?.has(r.clientId))) throw new PigeonError('UNAVAILABLE', 'store down');
      // The store refuses group sends by 'outsider' (not a member) and to 'g:gone' (no such group).
      return batch.map((r): SendOutcome => {
        if (r.conversationId === 'g:gone') return { refused: new PigeonError('NOT_FOUND', 'no such group') };
        if (r.conversationId && r.senderId === 'outsider') return { refused: new PigeonError('FORBIDDEN', 'not a member') };
        return { created: true, message: fakeMessage(r, ++seq) };
      });
    },
  });
  const users = new UserDirectory({ getUsers: async (ids) => ids.filter((id) => id !== 'ghost').map((id) => ({ id, username: id, displayName: id, passwordHash: '', createdAt: '', lastSeen: null, about: '', avatar: null, profileVersion: 0 })) });
  const fanout: Fanout = {
    emit: (userIds, event, _payload, except) => void emitted.push({ userIds, event, except }),
    toConversation: (conversationId, event, _payload, except) => void emitted.push({ conversationId, event, except }),
  };
  const audience = new Audience(
    new Contacts({ store: { contactsOf: async () => ({ peerIds: [], groups: [] }), getHistory: async () => [] } }),
    new BlockList({ store: { blockedBy: async (id) => blocked[id] ?? [], blockersOf: async (id) => Object.keys(blocked).filter((k) => blocked[k]!.includes(id)), blockUser: async () => {}, unblockUser: async () => {} } }),
  );
  const service = new SendService({ batcher, users, fanout, rateLimiter: createSendLimit(createLimiterFactory(null, pino({ level: 'silent' })), { sendRateLimit: limit, sendRateWindowMs: 10_000 }), audience });
  return { service, committed, emitted };
}

const fakeMessage = (r: SendRequest, seq: number): Message => ({
  id: `m${seq}`,
  clientId: r.clientId,
  conversationId: r.conversationId ?? 'c',
  senderId: r.senderId,
  recipientId: r.recipientId,
  body: r.body,
  seq,
  createdAt: '',
  status: 'sent',
});

/** Event-loop turns until `done` (a commit reached, say). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !done(); i++) await new Promise((r) => setImmediate(r));
  if (!done()) throw new Error('never reached');
}

/** A few event-loop turns: a call whose checks are all in memory has decided where its sends go. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('SendService', () => {
  it('a send between two people where either blocked the other is FORBIDDEN and never committed', async () => {
    const { service, committed } = setup(0, { bob: ['ann'] });
    const send = (from: string, to: string) => service.send(from, { clientId: `c-${from}-${to}-1`, to, body: 'hi' });
    await expect(send('ann', 'bob')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(send('bob', 'ann')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(send('ann', 'cid')).resolves.toMatchObject({ created: true });
    expect(committed.flat().map((r) => r.recipientId)).toEqual(['cid']);
  });

  it('commits concurrent sends of many users in one batch', async () => {
    const { service, committed } = setup();
    await Promise.all(['a', 'b', 'c'].map((from) => service.send(from, { clientId: `client-${from}-1`, to: 'z', body: 'hi' })));
    expect(committed).toHaveLength(1);
    expect(committed[0]!.map((r) => r.senderId)).toEqual(['a', 'b', 'c']);
  });

  it('refuses yourself (VALIDATION) and unknown users (NOT_FOUND) before queuing', async () => {
    const { service, committed } = setup();
    await expect(service.send('a', { clientId: 'client-id-1', to: 'a', body: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(service.send('a', { clientId: 'client-id-2', to: 'ghost', body: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(committed).toEqual([]);
  });

  it('rate-limits per sender', async () => {
    const { service } = setup(2);
    const send = (from: string, n: number) => service.send(from, { clientId: `client-id-${from}${n}`, to: 'z', body: 'x' });
    await send('a', 1);
    await send('a', 2);
    await expect(send('a', 3)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(send('b', 1)).resolves.toMatchObject({ created: true });
  });

  it('announces new messages to recipient and sender (minus the sending socket), duplicates not at all', () => {
    const { service, emitted } = setup();
    const message = fakeMessage({ senderId: 'a', recipientId: 'b', clientId: 'c', body: 'x' }, 1);
    service.announce({ created: true, message }, 'socket-1');
    service.announce({ created: false, message }, 'socket-1');
    expect(emitted).toEqual([{ userIds: ['b', 'a'], event: 'new-message', except: 'socket-1' }]);
  });

  it('sends to a group by conversationId: the store decides membership, its refusal is the error; blocks do not apply', async () => {
    const { service, committed, emitted } = setup(0, { bob: ['ann'] });
    const send = (from: string, conversationId: string, n: number) => service.send(from, { clientId: `client-${from}-${n}`, conversationId, body: 'hi' });
    const sent = await send('ann', 'g:1', 1);
    expect(sent.message).toMatchObject({ conversationId: 'g:1', recipientId: 'g:1', senderId: 'ann' });
    await expect(send('outsider', 'g:1', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(send('ann', 'g:gone', 2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(send('ann', 'nothing-of-mine', 3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(committed.flat().map((r) => [r.senderId, r.conversationId, r.recipientId])).toEqual([
      ['ann', 'g:1', 'g:1'],
      ['outsider', 'g:1', 'g:1'],
      ['ann', 'g:gone', 'g:gone'],
    ]);
    service.announce(sent, 'socket-1');
    expect(emitted).toEqual([{ conversationId: 'g:1', event: 'new-message', except: { socketId: 'socket-1' } }]);
  });

  it('a send sent again while its first copy is still queued waits for that copy: one commit, answered as a duplicate, announced once', async () => {
    let open!: () => void;
    const { service, committed, emitted } = setup(0, {}, { gate: new Promise<void>((r) => (open = r)) });
    const input = { clientId: 'client-again-1', to: 'bob', body: 'hi' };
    const first = service.send('ann', input);
    await until(() => committed.length === 1); // the first copy is in the commit
    const again = service.send('ann', input);
    await turns();
    open();
    const [a, b] = await Promise.all([first, again]);
    expect(committed.flat().map((r) => r.clientId)).toEqual(['client-again-1']);
    expect(a).toMatchObject({ created: true });
    expect(b).toMatchObject({ created: false, message: { id: a.message.id } });
    // Each ack announces its outcome (socket.ts, routes/messages.ts): the re-send's is a duplicate.
    service.announce(a);
    service.announce(b);
    expect(emitted).toHaveLength(1);
    // Once settled, the same clientId goes to the store again (which answers the stored message).
    await service.send('ann', input);
    expect(committed.flat().map((r) => r.clientId)).toEqual(['client-again-1', 'client-again-1']);
  });

  it('a batch sent again while its first copies are committing: they wait for those, the new tail is committed after them', async () => {
    let open!: () => void;
    const { service, committed } = setup(0, {}, { gate: new Promise<void>((r) => (open = r)) });
    const msg = (n: number) => ({ clientId: `client-batch-${n}`, to: 'bob', body: `m${n}` });
    const first = service.sendBatch('ann', [msg(1), msg(2)]);
    await until(() => committed.length === 1);
    const again = service.sendBatch('ann', [msg(1), msg(2), msg(3)]);
    await turns();
    open();
    const [a, b] = await Promise.all([first, again]);
    expect(committed.map((batch) => batch.map((r) => r.clientId))).toEqual([['client-batch-1', 'client-batch-2'], ['client-batch-3']]);
    expect(a.map((x) => ('created' in x ? x.created : x))).toEqual([true, true]);
    expect(b.map((x) => ('created' in x ? x.created : x))).toEqual([false, false, true]);
    // A batch with a copy in flight anywhere but at its head is queued whole, as before.
    let open2!: () => void;
    const mixed = setup(0, {}, { gate: new Promise<void>((r) => (open2 = r)) });
    const head = mixed.service.sendBatch('ann', [msg(5)]);
    await until(() => mixed.committed.length === 1);
    const tail = mixed.service.sendBatch('ann', [msg(4), msg(5)]);
    await turns();
    open2();
    await Promise.all([head, tail]);
    expect(mixed.committed.map((batch) => batch.map((r) => r.clientId))).toEqual([['client-batch-5'], ['client-batch-4', 'client-batch-5']]);
  });

  it('when the first copy fails, the batch sent again fails there too and its tail is not tried (a prefix is stored)', async () => {
    let open!: () => void;
    const { service, committed } = setup(0, {}, { gate: new Promise<void>((r) => (open = r)), failing: new Set(['client-fail-1']) });
    const msg = (n: number) => ({ clientId: `client-fail-${n}`, to: 'bob', body: `m${n}` });
    const first = service.sendBatch('ann', [msg(1)]);
    await until(() => committed.length === 1);
    const again = service.sendBatch('ann', [msg(1), msg(2)]);
    await turns();
    open();
    const [a, b] = await Promise.all([first, again]);
    expect(a).toEqual([{ failed: expect.objectContaining({ code: 'UNAVAILABLE' }) }]);
    expect(b).toEqual([{ failed: expect.objectContaining({ code: 'UNAVAILABLE' }) }]);
    expect(committed.flat().map((r) => r.clientId)).not.toContain('client-fail-2');
  });

  it('passes attachmentIds to the store in order, 1:1 and group, and leaves them out of sends without', async () => {
    const { service, committed } = setup();
    await service.send('ann', { clientId: 'client-att-1', to: 'bob', body: '', attachmentIds: ['b', 'a'] });
    await service.send('ann', { clientId: 'client-att-2', conversationId: 'g:1', body: 'caption', attachmentIds: ['c'] });
    await service.send('ann', { clientId: 'client-att-3', to: 'bob', body: 'plain' });
    const sent = committed.flat();
    expect(sent.map((r) => r.attachmentIds)).toEqual([['b', 'a'], ['c'], undefined]);
    expect(sent[2]).not.toHaveProperty('attachmentIds');
  });
});
