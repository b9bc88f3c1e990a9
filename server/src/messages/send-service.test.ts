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

function setup(limit = 0, blocked: Record<string, string[]> = {}) {
  const committed: SendRequest[][] = [];
  const emitted: { userIds?: readonly string[]; conversationId?: string; event: string; except?: unknown }[] = [];
  let seq = 0;
  const batcher = new SendBatcher<SendRequest, SendOutcome>({
    commit: async (batch) => {
      committed.push([...batch]);
      // The store refuses group sends by 'outsider' (not a member) and to 'g:gone' (no such group).
      return batch.map((r): SendOutcome => {
        if (r.conversationId === 'g:gone') return { refused: new PigeonError('NOT_FOUND', 'no such group') };
        if (r.conversationId && r.senderId === 'outsider') return { refused: new PigeonError('FORBIDDEN', 'not a member') };
        return { created: true, message: fakeMessage(r, ++seq) };
      });
    },
  });
  const users = new UserDirectory({ getUsers: async (ids) => ids.filter((id) => id !== 'ghost').map((id) => ({ id, username: id, displayName: id, passwordHash: '', createdAt: '', lastSeen: null, about: '', avatar: null })) });
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
