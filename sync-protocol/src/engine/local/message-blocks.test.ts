import { describe, expect, it } from 'vitest';
import type { StoredMessage } from './local-db.ts';
import { BLOCKS_AHEAD_MAX, makeBlock, newestBlocksAhead, packBlock, unpackBlock } from './message-blocks.ts';

describe('newestBlocksAhead', () => {
  // Blocks of 20 messages: seqs 1–20, 21–40, … 81–100.
  const twenties = [1, 21, 41, 61, 81];

  it('reads a chat’s last message from its newest block alone', () => {
    expect(newestBlocksAhead(twenties, Infinity, 1)).toBe(1);
  });

  it('reads the blocks a first window spans in one go, the newest counted as one message', () => {
    // 1 + 20 + 20 < 50, + 20 ≥ 50: four blocks (one more than the 50 need, never fewer).
    expect(newestBlocksAhead(twenties, Infinity, 50)).toBe(4);
    expect(newestBlocksAhead(twenties, Infinity, 21)).toBe(2);
  });

  it('counts the newest block up to hi when hi is given', () => {
    // Below seq 61: the block from 41 holds at most 20, the one from 21 at most 20 more.
    expect(newestBlocksAhead([1, 21, 41], 61, 20)).toBe(1);
    expect(newestBlocksAhead([1, 21, 41], 61, 40)).toBe(2);
    expect(newestBlocksAhead([1, 21, 41], 50, 20)).toBe(2);
  });

  it('never more than the chat has, nor than the cap', () => {
    expect(newestBlocksAhead([], Infinity, 50)).toBe(0);
    expect(newestBlocksAhead(twenties, Infinity, 1000)).toBe(5);
    const many = Array.from({ length: 40 }, (_, i) => 1 + i * 5);
    expect(newestBlocksAhead(many, Infinity, 1000)).toBe(BLOCKS_AHEAD_MAX);
    expect(newestBlocksAhead(many, Infinity, 1000, -Infinity, 3)).toBe(3);
  });

  it('stops at the block that starts at or below lo: nothing older can be in the range', () => {
    // Seqs above 45: the blocks from 81, 61 and 41 (which may hold 46–60), not the ones from 21 and 1.
    expect(newestBlocksAhead(twenties, Infinity, 1000, 45)).toBe(3);
    expect(newestBlocksAhead(twenties, Infinity, 1000, 41)).toBe(3);
  });
});

describe('packBlock / unpackBlock', () => {
  it('give back the rows as they were: nested content, nulls, flags and numbers', () => {
    const rows: StoredMessage[] = [1, 2].map((seq) => ({
      key: `s:c${seq}`, id: `m${seq}`, clientId: `c${seq}`, conversationId: 'g1', senderId: 's', recipientId: 'g1', body: seq === 1 ? 'héllo "quoted" \u2028 ✓' : '',
      seq, createdAt: '2026-12-06T06:00:00.000Z', localCreatedAt: 1796540000000 + seq, status: 'read', reader: 'me', version: 3,
      replyTo: { key: null, id: 'm0', senderId: 'x', preview: 'hi' }, reactions: [{ userId: 'x', emoji: '👍', reactedAt: '2026-12-06T06:00:01.000Z' }],
      editedAt: null, deletedAt: seq === 2 ? '2026-12-06T06:01:00.000Z' : null, heldWords: [],
      ...(seq === 2 ? { type: 'system' as const, system: { kind: 'member-added', actorId: 'x', userIds: ['y'] } as unknown as StoredMessage['system'] } : {}),
    }));
    const block = makeBlock(rows);
    const packed = packBlock(block);
    expect(packed).not.toHaveProperty('rows');
    expect(packed).toMatchObject({ conversationId: 'g1', firstSeq: 1, lastSeq: 2, keys: block.keys, ids: block.ids, unread: block.unread });
    expect(unpackBlock(packed)).toEqual(block);
  });
});
