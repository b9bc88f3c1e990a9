import { describe, expect, it } from 'vitest';
import { withMessageDefaults, type Message } from '../../model/message.ts';
import type { LocalMessage } from '../api.ts';
import { mergeHits } from './merge.ts';

const server = (id: string, createdAt: string, body = id): Message =>
  withMessageDefaults({ id, clientId: `c-${id}`, conversationId: 'dm:me:peer', senderId: 'peer', recipientId: 'me', body, seq: Number(id.slice(1)), createdAt, status: 'delivered' });
const local = (id: string | null, createdAt: string, key = `peer:c-${id}`): LocalMessage => ({
  key, id, clientId: key.split(':')[1]!, conversationId: 'dm:me:peer', senderId: key.split(':')[0]!, recipientId: 'me', body: `local ${id}`, seq: null, createdAt, localCreatedAt: Date.parse(createdAt), status: id ? 'delivered' : 'pending',
});

describe('mergeHits', () => {
  it('merges by id (the device copy wins, `both`), adds server-only hits unstored, newest first (ids as numbers on a tie), cut to the limit', () => {
    const t = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
    const hits = mergeHits('me', [local('m10', t(5)), local(null, t(9), 'me:pending1')], [server('m10', t(5)), server('m9', t(5)), server('m2', t(1))], 10);
    expect(hits.map((h) => [h.message.key, h.source, h.message.body])).toEqual([
      ['me:pending1', 'device', 'local null'],
      ['peer:c-m10', 'both', 'local m10'],
      ['peer:c-m9', 'server', 'm9'],
      ['peer:c-m2', 'server', 'm2'],
    ]);
    expect(hits[2]!.message).toMatchObject({ id: 'm9', seq: 9, status: 'delivered' });
    expect(mergeHits('me', [local('m10', t(5))], null, 1).map((h) => h.source)).toEqual(['device']);
    expect(mergeHits('me', [], [server('m1', t(1)), server('m2', t(2))], 1).map((h) => h.message.id)).toEqual(['m2']);
  });
});
