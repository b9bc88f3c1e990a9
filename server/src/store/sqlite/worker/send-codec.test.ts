import { describe, expect, it } from 'vitest';
import { PigeonError, withMessageDefaults, type Message } from '@pigeon/sync-protocol';
import { packBatch, packOutcomes, unpackBatch, unpackOutcomes } from './send-codec.ts';

const req = (i: number) => ({ senderId: `s${i}`, recipientId: `r${i}`, clientId: `c${i}`, body: `body ${i} with, commas "and" quotes` });

describe('group-commit wire form', () => {
  it('a batch survives packing, in order, including empty bodies', () => {
    const batch = [req(1), req(2), { ...req(3), body: '' }];
    expect(unpackBatch(structuredClone(packBatch(batch)))).toEqual(batch);
  });

  it('a created message is rebuilt from its request plus what the store decided', () => {
    const r = req(1);
    const stored = withMessageDefaults({
      id: 'm1', clientId: r.clientId, conversationId: 'dm:r1:s1', senderId: r.senderId, recipientId: r.recipientId,
      body: r.body, seq: 7, createdAt: '2026-11-25T12:00:00.000Z', status: 'sent',
    });
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

  it('a group send keeps its conversation; its new message is the group’s, with the group as recipient', () => {
    const group = { senderId: 's1', recipientId: 'g:1', conversationId: 'g:1', clientId: 'c1', body: 'to all' };
    const batch = [group, req(2)];
    const unpacked = unpackBatch(structuredClone(packBatch(batch)));
    expect(unpacked).toEqual(batch);
    expect('conversationId' in unpacked[1]!).toBe(false);
    const [created] = unpackOutcomes([group], [['m1', 4, '2026-11-25T12:00:00.000Z']]);
    expect(created).toEqual({
      message: withMessageDefaults({
        id: 'm1', clientId: 'c1', conversationId: 'g:1', senderId: 's1', recipientId: 'g:1', body: 'to all',
        seq: 4, createdAt: '2026-11-25T12:00:00.000Z', status: 'sent',
      }),
      created: true,
    });
  });

  it('a reply carries the id it answers, and its new message the quote the store resolved', () => {
    const reply = { ...req(1), replyTo: 'm0' };
    const batch = [reply, req(2)];
    const unpacked = unpackBatch(structuredClone(packBatch(batch)));
    expect(unpacked).toEqual(batch);
    expect('replyTo' in unpacked[1]!).toBe(false);
    const quote = { id: 'm0', senderId: 'r1', preview: 'the question' };
    const stored = withMessageDefaults({
      id: 'm1', clientId: reply.clientId, conversationId: 'dm:r1:s1', senderId: 's1', recipientId: 'r1', body: reply.body,
      seq: 2, createdAt: '2026-11-25T12:00:00.000Z', status: 'sent', replyTo: quote,
    });
    const packed = packOutcomes([{ message: stored, created: true }]);
    expect(packed).toEqual([['m1', 2, '2026-11-25T12:00:00.000Z', quote]]);
    expect(unpackOutcomes([reply], structuredClone(packed))).toEqual([{ message: stored, created: true }]);
  });

  it('a send with attachments carries their ids, and its new message the attachments the store resolved', () => {
    const withFiles = { ...req(1), body: '', attachmentIds: ['a1', 'a2'] };
    const batch = [withFiles, req(2)];
    const unpacked = unpackBatch(structuredClone(packBatch(batch)));
    expect(unpacked).toEqual(batch);
    expect('attachmentIds' in unpacked[1]!).toBe(false);
    const attachments = [
      { id: 'a1', name: 'p.png', mime: 'image/png', size: 10, sha256: 'ab'.repeat(32), width: 2, height: 3, preview: 'xyz' },
      { id: 'a2', name: 'f.pdf', mime: 'application/pdf', size: 20, sha256: 'cd'.repeat(32) },
    ];
    const stored = withMessageDefaults({
      id: 'm1', clientId: withFiles.clientId, conversationId: 'dm:r1:s1', senderId: 's1', recipientId: 'r1', body: '',
      seq: 5, createdAt: '2026-11-25T12:00:00.000Z', status: 'sent', attachments,
    });
    const packed = packOutcomes([{ message: stored, created: true }]);
    expect(packed).toEqual([['m1', 5, '2026-11-25T12:00:00.000Z', null, attachments]]);
    expect(unpackOutcomes([withFiles], structuredClone(packed))).toEqual([{ message: stored, created: true }]);
    // A reply with attachments keeps both.
    const both = { ...stored, replyTo: { id: 'm0', senderId: 'r1', preview: 'q' } };
    expect(unpackOutcomes([withFiles], structuredClone(packOutcomes([{ message: both, created: true }])))).toEqual([{ message: both, created: true }]);
  });

  it('a refusal crosses as a PigeonError with its code, beside stored sends', () => {
    const batch = [req(1), { ...req(2), conversationId: 'g:1' }];
    const packed = packOutcomes([
      { message: { id: 'm1', clientId: 'c1', conversationId: 'dm:r1:s1', senderId: 's1', recipientId: 'r1', body: 'b', seq: 1, createdAt: 'now', status: 'sent', type: 'text' }, created: true },
      { refused: new PigeonError('FORBIDDEN', 'not a member of this group') },
    ]);
    const [stored, refused] = unpackOutcomes(batch, structuredClone(packed));
    expect(stored!.created).toBe(true);
    expect(refused!.refused).toBeInstanceOf(PigeonError);
    expect(refused!.refused).toMatchObject({ code: 'FORBIDDEN', message: 'not a member of this group' });
    expect(refused!.message).toBeUndefined();
  });

  it('refuses a reply that does not match the batch', () => {
    expect(() => unpackOutcomes([req(1), req(2)], [['m1', 1, 'now']])).toThrow(/1 outcomes for 2 sends/);
  });
});
