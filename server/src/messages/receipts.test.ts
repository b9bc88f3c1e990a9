import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import type { Fanout } from './fanout.ts';
import { groupByConversation, ReceiptService } from './receipts.ts';

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
});
