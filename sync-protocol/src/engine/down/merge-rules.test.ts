import { describe, expect, it } from 'vitest';
import type { Message } from '../../model/message.ts';
import type { MessageStatus } from '../../status.ts';
import { countsAsUnread, findGaps, isGap, mergeServerCopy, raiseStatus, sameRow, unreadDelta } from './merge-rules.ts';
import type { StoredMessage } from '../local/local-db.ts';

const ME = 'u-me';
const PEER = 'u-peer';
const CONV = `dm:${PEER}:${ME}`;

function server(seq: number, status: MessageStatus, from = PEER): Message {
  return {
    id: `m${seq}`,
    clientId: `client-${seq}-xxxx`,
    conversationId: CONV,
    senderId: from,
    recipientId: from === ME ? PEER : ME,
    body: `body ${seq}`,
    seq,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    status,
  };
}

function pending(clientId: string): StoredMessage {
  return {
    key: `${ME}:${clientId}`,
    id: null,
    clientId,
    conversationId: CONV,
    senderId: ME,
    recipientId: PEER,
    body: 'hi',
    seq: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    localCreatedAt: 42,
    status: 'pending',
    pendingAt: 42,
  };
}

describe('mergeServerCopy', () => {
  it('replaces our pending row under the same key, dropping the local-only fields', () => {
    const p = pending('client-7-xxxx');
    const merged = mergeServerCopy(p, { ...server(7, 'sent', ME), body: 'hi' }, ME);
    expect(merged.key).toBe(p.key);
    expect(merged).toMatchObject({ id: 'm7', seq: 7, status: 'sent', localCreatedAt: 42 });
    expect(merged.pendingAt).toBeUndefined();
    expect(merged.error).toBeUndefined();
  });

  it('a server copy wins over a failed row', () => {
    const failed: StoredMessage = { ...pending('client-3-xxxx'), status: 'failed', error: { code: 'INTERNAL', message: 'x' } };
    const merged = mergeServerCopy(failed, server(3, 'sent', ME), ME);
    expect(merged.status).toBe('sent');
    expect(merged.error).toBeUndefined();
  });

  it('never lowers a status, whatever order copies arrive in', () => {
    const statuses: MessageStatus[] = ['sent', 'delivered', 'read'];
    // every permutation of arrival order ends at the highest status
    const perms = [
      [0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0],
    ];
    for (const perm of perms) {
      let row: StoredMessage | undefined;
      let seen = 0;
      for (const i of perm) {
        row = mergeServerCopy(row, server(1, statuses[i]!, ME), ME);
        seen = Math.max(seen, i);
        expect(row.status).toBe(statuses[seen]);
      }
    }
  });

  it('is idempotent', () => {
    const once = mergeServerCopy(undefined, server(5, 'delivered'), ME);
    const twice = mergeServerCopy(once, server(5, 'delivered'), ME);
    expect(sameRow(once, twice)).toBe(true);
  });

  it('stores an incoming message at or below the read mark as read', () => {
    expect(mergeServerCopy(undefined, server(4, 'delivered'), ME, 4).status).toBe('read');
    expect(mergeServerCopy(undefined, server(5, 'delivered'), ME, 4).status).toBe('delivered');
    // the read mark is about incoming messages only
    expect(mergeServerCopy(undefined, server(3, 'sent', ME), ME, 4).status).toBe('sent');
  });

  it('stores an incoming message at or below the delivered position at least delivered, below the read mark read', () => {
    expect(mergeServerCopy(undefined, server(6, 'sent'), ME, 4, 6).status).toBe('delivered');
    expect(mergeServerCopy(undefined, server(3, 'sent'), ME, 4, 6).status).toBe('read');
    expect(mergeServerCopy(undefined, server(7, 'sent'), ME, 4, 6).status).toBe('sent');
    expect(mergeServerCopy(undefined, server(5, 'read'), ME, 4, 6).status).toBe('read');
    // our own messages keep the aggregate
    expect(mergeServerCopy(undefined, server(5, 'sent', ME), ME, 4, 6).status).toBe('sent');
  });
});

describe('raiseStatus', () => {
  it('moves forward only and returns the same object when nothing changes', () => {
    const row = mergeServerCopy(undefined, server(1, 'read', ME), ME);
    expect(raiseStatus(row, 'delivered')).toBe(row);
    const sent = mergeServerCopy(undefined, server(2, 'sent', ME), ME);
    expect(raiseStatus(sent, 'delivered').status).toBe('delivered');
  });

  it('ignores receipts for unacked rows', () => {
    const p = pending('client-9-xxxx');
    expect(raiseStatus(p, 'read')).toBe(p);
  });
});

describe('unread accounting', () => {
  it('counts incoming, acked, not-read rows only', () => {
    expect(countsAsUnread(mergeServerCopy(undefined, server(1, 'delivered'), ME), ME)).toBe(true);
    expect(countsAsUnread(mergeServerCopy(undefined, server(1, 'read'), ME), ME)).toBe(false);
    expect(countsAsUnread(mergeServerCopy(undefined, server(1, 'sent', ME), ME), ME)).toBe(false);
    expect(countsAsUnread(undefined, ME)).toBe(false);
  });

  it('gives exact deltas, so replays add nothing', () => {
    const a = mergeServerCopy(undefined, server(1, 'sent'), ME);
    expect(unreadDelta(undefined, a, ME)).toBe(1);
    expect(unreadDelta(a, mergeServerCopy(a, server(1, 'delivered'), ME), ME)).toBe(0);
    expect(unreadDelta(a, mergeServerCopy(a, server(1, 'read'), ME), ME)).toBe(-1);
  });
});

describe('gap detection', () => {
  it('flags a seq beyond local max + 1', () => {
    expect(isGap(5, 4)).toBe(false);
    expect(isGap(6, 4)).toBe(true);
    expect(isGap(3, 4)).toBe(false);
  });

  it('takes a batch in seq order, so a contiguous batch is no gap', () => {
    const max = new Map([[CONV, 2]]);
    expect(findGaps([server(4, 'sent'), server(3, 'sent')], max)).toEqual([]);
    expect(findGaps([server(5, 'sent'), server(3, 'sent')], max)).toEqual([CONV]);
    expect(findGaps([server(1, 'sent')], new Map())).toEqual([]);
  });
});

describe('group messages', () => {
  const GROUP = 'g:1';
  const inGroup = (seq: number, from: string, extra: Partial<Message> = {}): Message => ({ ...server(seq, 'sent', from), conversationId: GROUP, recipientId: GROUP, ...extra });

  it('an incoming one is ours to receipt and read (reader), though its recipient is the group', () => {
    const row = mergeServerCopy(undefined, inGroup(3, PEER), ME);
    expect(row.reader).toBe(ME);
    expect(countsAsUnread(row, ME)).toBe(true);
    expect(mergeServerCopy(undefined, inGroup(3, PEER), ME, 3).status).toBe('read');
    expect(mergeServerCopy(undefined, inGroup(4, ME), ME).reader).toBeUndefined();
  });

  it('a system message keeps its event, is never unread, and replays equal', () => {
    const system = { kind: 'title-changed' as const, actorId: PEER, title: 'New' };
    const copy = inGroup(5, PEER, { body: '', type: 'system', system });
    const row = mergeServerCopy(undefined, copy, ME);
    expect(row).toMatchObject({ type: 'system', system });
    expect(countsAsUnread(row, ME)).toBe(false);
    expect(sameRow(row, mergeServerCopy(row, structuredClone(copy), ME))).toBe(true);
  });

  it("the start of our period is no gap: nothing before our addition (or the creation) is ours", () => {
    const added = inGroup(10, PEER, { type: 'system', system: { kind: 'members-added', actorId: PEER, userIds: [ME] } });
    expect(findGaps([added, inGroup(11, PEER)], new Map(), ME)).toEqual([]);
    // Someone else's addition starts nothing of ours.
    const other = inGroup(10, PEER, { type: 'system', system: { kind: 'members-added', actorId: PEER, userIds: ['u-3'] } });
    expect(findGaps([other], new Map(), ME)).toEqual([GROUP]);
    // Added again after a removal at 6: 7..9 are not ours.
    expect(findGaps([added], new Map([[GROUP, 6]]), ME)).toEqual([]);
  });
});

describe('mergeServerCopy: content by version (message actions)', () => {
  const acked = (over: Partial<StoredMessage> = {}): StoredMessage => ({ ...mergeServerCopy(undefined, server(1, 'sent'), ME), ...over });

  it('a copy with a lower version never overwrites a higher one; its status still counts', () => {
    const row = acked({ body: 'edited twice', version: 2, editedAt: '2025-01-01T00:05:00.000Z' });
    const older = { ...server(1, 'read'), body: 'edited once', version: 1, editedAt: '2025-01-01T00:04:00.000Z' };
    const merged = mergeServerCopy(row, older, ME);
    expect(merged).toMatchObject({ body: 'edited twice', version: 2, status: 'read' });
    // The newer copy, whenever it comes, wins.
    expect(mergeServerCopy(merged, { ...server(1, 'sent'), body: 'third', version: 3 }, ME)).toMatchObject({ body: 'third', version: 3, status: 'read' });
  });

  it('deleted for everyone is terminal, and hiddenAt sticks', () => {
    const row = acked({ body: '', deletedAt: '2025-01-01T00:09:00.000Z', version: 4, hiddenAt: '2025-01-01T00:10:00.000Z' });
    const merged = mergeServerCopy(row, { ...server(1, 'sent'), version: 4 }, ME);
    expect(merged).toMatchObject({ body: '', deletedAt: '2025-01-01T00:09:00.000Z', hiddenAt: '2025-01-01T00:10:00.000Z' });
  });

  it('judges by the server state under pending actions (the base), not by what the row shows', () => {
    const row = acked({ body: 'my pending edit', version: 1, pendingActions: 1, base: { body: 'body 1', reactions: [], editedAt: null, deletedAt: null, replyTo: null, attachments: [], version: 1 } });
    // A reaction by the peer: version 2, body as the server has it; the caller re-applies the pending edit.
    const merged = mergeServerCopy(row, { ...server(1, 'sent'), reactions: [{ userId: PEER, emoji: '👍' }], version: 2 }, ME);
    expect(merged).toMatchObject({ body: 'body 1', reactions: [{ userId: PEER, emoji: '👍' }], version: 2 });
    expect(merged.base).toBeUndefined();
  });

  it('a hidden incoming message no longer counts as unread', () => {
    const row = acked();
    expect(countsAsUnread(row, ME)).toBe(true);
    expect(unreadDelta(row, { ...row, hiddenAt: '2025-01-01T00:10:00.000Z' }, ME)).toBe(-1);
  });

  it('a replay of a stored row is the same row: the words the write middleware added do not count', () => {
    const copy = { ...server(7, 'sent', PEER), body: 'see you at noon' };
    const stored = { ...mergeServerCopy(undefined, copy, ME), words: ['see', 'you', 'at', 'noon'] };
    expect(sameRow(stored, mergeServerCopy(stored, structuredClone(copy), ME))).toBe(true);
    // Anything else that differs still does.
    expect(sameRow(stored, mergeServerCopy(stored, { ...structuredClone(copy), body: 'see you at one' }, ME))).toBe(false);
  });

  it('sameRow compares reactions and quotes by value', () => {
    const row = acked({ reactions: [{ userId: PEER, emoji: '👍' }] });
    expect(sameRow(row, { ...row, reactions: [{ userId: PEER, emoji: '👍' }] })).toBe(true);
    expect(sameRow(row, { ...row, reactions: [{ userId: PEER, emoji: '😂' }] })).toBe(false);
  });
});
