import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import type { Fanout } from './fanout.ts';
import { ReceiptService } from './receipts.ts';
import { groupByConversation } from './status-push.ts';

const msg = (id: string, conversationId: string, senderId: string): Message => ({
  id, clientId: `c-${id}`, conversationId, senderId, recipientId: 'r', body: '', seq: 1, createdAt: '', status: 'delivered',
});

describe('receipts', () => {
  it('groups changes per conversation, keeping store order', () => {
    const groups = groupByConversation([msg('1', 'x', 'a'), msg('2', 'y', 'b'), msg('3', 'x', 'a')]);
    expect(groups.map((g) => [g.conversationId, g.messageIds, [...g.senderIds]])).toEqual([
      ['x', ['1', '3'], ['a']],
      ['y', ['2'], ['b']],
    ]);
  });

  it('pushes one message-status per conversation to the senders and the reader’s other sockets; nothing when nothing changed', async () => {
    const pushed: unknown[] = [];
    const fanout: Fanout = { emit: (userIds, event, payload, except) => void pushed.push({ userIds, event, payload, except }), toConversation: () => {} };
    let changed: Message[] = [msg('1', 'dm:a:r', 'a'), msg('2', 'dm:b:r', 'b')];
    const store = { markDelivered: async () => changed, markRead: async () => changed, readPosition: async () => null };
    const receipts = new ReceiptService(store, fanout, () => new Date('2026-01-01T00:00:00Z'));
    await receipts.delivered('r', ['1', '2', '1'], 'sock');
    expect(pushed).toEqual([
      { userIds: ['a', 'r'], event: 'message-status', payload: { messageIds: ['1'], conversationId: 'dm:a:r', status: 'delivered', at: '2026-01-01T00:00:00.000Z' }, except: 'sock' },
      { userIds: ['b', 'r'], event: 'message-status', payload: { messageIds: ['2'], conversationId: 'dm:b:r', status: 'delivered', at: '2026-01-01T00:00:00.000Z' }, except: 'sock' },
    ]);
    changed = [];
    await receipts.read('r', 'dm:a:r', 10);
    expect(pushed).toHaveLength(2);
  });

  it('a read that completes only the delivered aggregate of a group message pushes delivered, not read (G2)', async () => {
    const pushed: { payload: { messageIds: string[]; status: string } }[] = [];
    const fanout: Fanout = { emit: (_u, _e, payload) => void pushed.push({ payload: payload as never }), toConversation: () => {} };
    // The store settled seq 1 to read (every other member has read it) and seq 2 only to delivered.
    const changed: Message[] = [{ ...msg('1', 'g:1', 'a'), status: 'read' }, { ...msg('2', 'g:1', 'a'), status: 'delivered' }];
    const store = { markDelivered: async () => [], markRead: async () => changed, readPosition: async () => 2 };
    const receipts = new ReceiptService(store, fanout, undefined, async () => true);
    await receipts.read('r', 'g:1', 2);
    const statuses = pushed.filter((p) => 'status' in p.payload).map((p) => [p.payload.messageIds, p.payload.status]);
    expect(statuses).toEqual([
      [['1'], 'read'],
      [['2'], 'delivered'],
    ]);
  });

  it('refuses to read a conversation the reader is not in', async () => {
    const receipts = new ReceiptService({ markDelivered: async () => [], markRead: async () => [], readPosition: async () => null }, { emit: () => {}, toConversation: () => {} });
    await expect(receipts.read('r', 'dm:a:b', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(receipts.read('r', 'garbage', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
  it('reads a group only for its members, and tells the reader’s other sockets the read position', async () => {
    const reads: string[] = [];
    const store = {
      markDelivered: async () => [],
      markRead: async (reader: string, id: string) => {
        reads.push(`${reader} ${id}`);
        return [];
      },
      readPosition: async () => 3,
    };
    const isMember = async (id: string, userId: string) => id === 'g:1' && userId === 'r';
    const pushed: unknown[] = [];
    const fanout: Fanout = { emit: (userIds, event, payload, except) => void pushed.push({ userIds, event, payload, except }), toConversation: () => {} };
    const receipts = new ReceiptService(store, fanout, undefined, isMember);
    await receipts.read('r', 'g:1', 3, 'sock');
    // The reader's other devices hear where the reader's position is now.
    expect(pushed).toEqual([{ userIds: ['r'], event: 'read-position', payload: { conversationId: 'g:1', readSeq: 3 }, except: 'sock' }]);
    await expect(receipts.read('x', 'g:1', 3)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(receipts.read('r', 'g:2', 3)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(reads).toEqual(['r g:1']);
  });
  it('a receipt re-sent while the first is in the store costs no second store call; what the reader reports meanwhile goes in one call after it', async () => {
    const calls: { reader: string; ids: string[]; finish: () => void }[] = [];
    const pushed: { except: string | undefined }[] = [];
    const store = {
      markDelivered: (reader: string, ids: readonly string[]) =>
        new Promise<Message[]>((resolve) => calls.push({ reader, ids: [...ids], finish: () => resolve(ids.map((id) => msg(id, 'dm:a:r', 'a'))) })),
      markRead: async () => [],
      readPosition: async () => null,
    };
    const fanout: Fanout = { emit: (_u, _e, _p, except) => void pushed.push({ except }), toConversation: () => {} };
    const receipts = new ReceiptService(store, fanout);
    const first = receipts.delivered('r', ['1', '2'], 'phone');
    await new Promise((r) => setTimeout(r, 0));
    // The phone's ack timed out: it sends the same ids again, twice, while the laptop reports more.
    const resent = [receipts.delivered('r', ['1', '2'], 'phone'), receipts.delivered('r', ['2', '1'], 'phone')];
    const laptop = [receipts.delivered('r', ['3'], 'laptop'), receipts.delivered('r', ['2', '4'], 'laptop')];
    const other = receipts.delivered('s', ['9'], 'x');
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => [c.reader, c.ids])).toEqual([['r', ['1', '2']], ['s', ['9']]]);
    calls[0]!.finish();
    await Promise.all([first, ...resent]);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => [c.reader, c.ids])).toEqual([['r', ['1', '2']], ['s', ['9']], ['r', ['3', '4']]]);
    calls[1]!.finish();
    calls[2]!.finish();
    await Promise.all([...laptop, other]);
    // The joined call came from the laptop alone: the phone, which reported nothing in it, is told.
    expect(pushed.map((p) => p.except)).toEqual(['phone', 'x', 'laptop']);
  });

  it('reads of one conversation while one is in the store: covered ones wait for it, later ones join at the highest seq', async () => {
    const calls: { conv: string; upTo: number; finish: () => void }[] = [];
    const store = {
      markDelivered: async () => [],
      markRead: (_r: string, conv: string, upTo: number) => new Promise<Message[]>((resolve) => calls.push({ conv, upTo, finish: () => resolve([]) })),
      readPosition: async () => null,
    };
    const receipts = new ReceiptService(store, { emit: () => {}, toConversation: () => {} });
    const first = receipts.read('r', 'dm:a:r', 10);
    await new Promise((r) => setTimeout(r, 0));
    const later = [receipts.read('r', 'dm:a:r', 5), receipts.read('r', 'dm:a:r', 12), receipts.read('r', 'dm:a:r', 15), receipts.read('r', 'dm:b:r', 3)];
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => [c.conv, c.upTo])).toEqual([['dm:a:r', 10], ['dm:b:r', 3]]);
    calls[0]!.finish();
    await first;
    await later[0];
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => [c.conv, c.upTo])).toEqual([['dm:a:r', 10], ['dm:b:r', 3], ['dm:a:r', 15]]);
    for (const c of calls.slice(1)) c.finish();
    await Promise.all(later);
  });
});
