import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import { packBatch, packOutcomes, unpackBatch, unpackOutcomes } from './send-codec.ts';

const req = (i: number) => ({ senderId: `s${i}`, recipientId: `r${i}`, clientId: `c${i}`, body: `body ${i} with, commas "and" quotes` });

describe('group-commit wire form', () => {
  it('a batch survives packing, in order, including empty bodies', () => {
    const batch = [req(1), req(2), { ...req(3), body: '' }];
    expect(unpackBatch(structuredClone(packBatch(batch)))).toEqual(batch);
  });

  it('a created message is rebuilt from its request plus what the store decided', () => {
    const r = req(1);
    const stored: Message = {
      id: 'm1', clientId: r.clientId, conversationId: 'dm:r1:s1', senderId: r.senderId, recipientId: r.recipientId,
      body: r.body, seq: 7, createdAt: '2026-11-25T12:00:00.000Z', status: 'sent',
    };
    const packed = packOutcomes([{ message: stored, created: true }]);
    expect(packed).toEqual([['m1', 7, '2026-11-25T12:00:00.000Z']]);
    expect(unpackOutcomes([r], structuredClone(packed))).toEqual([{ message: stored, created: true }]);
  });

  it('a resend comes back as the stored message, not as the request', () => {
    const r = { ...req(1), body: 'edited on resend' };
    const stored: Message = {
      id: 'm1', clientId: r.clientId, conversationId: 'dm:r1:s1', senderId: r.senderId, recipientId: r.recipientId,
      body: 'the original', seq: 3, createdAt: '2026-11-25T11:00:00.000Z', status: 'read',
    };
    expect(unpackOutcomes([r], packOutcomes([{ message: stored, created: false }]))).toEqual([{ message: stored, created: false }]);
  });

  it('refuses a reply that does not match the batch', () => {
    expect(() => unpackOutcomes([req(1), req(2)], [['m1', 1, 'now']])).toThrow(/1 outcomes for 2 sends/);
  });
});
