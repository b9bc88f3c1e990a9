import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import type { Message } from '../../model/message.ts';
import type { OutboxEntry } from '../local/local-db.ts';
import { batchable, jsonBytes, pickBatch, splitResults, wholeBatchFailure } from './batch.ts';
import { sendInput } from './send-rules.ts';

const entry = (n: number, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
  clientId: `c${n}`.padEnd(8, '0'),
  key: `me:${`c${n}`.padEnd(8, '0')}`,
  conversationId: 'me:you',
  to: 'you',
  body: `message ${n}`,
  localCreatedAt: n,
  attempts: 0,
  socketFailures: 0,
  ...extra,
});
const input = (e: OutboxEntry) => sendInput(e);
const mine = () => true;
const ids = (es: readonly OutboxEntry[]) => es.map((e) => e.localCreatedAt);
const message = (e: OutboxEntry, seq: number) => ({ id: `m${seq}`, clientId: e.clientId, seq }) as unknown as Message;

describe('batchable', () => {
  it('takes plain messages only, and replies whose original has a server id', () => {
    expect(batchable(entry(1))).toBe(true);
    expect(batchable(entry(1, { replyTo: { key: 'me:x', id: 'srv1' } }))).toBe(true);
    expect(batchable(entry(1, { replyTo: { key: 'me:x', id: null } }))).toBe(false);
    expect(batchable(entry(1, { uploads: ['u1'] }))).toBe(false);
    expect(batchable(entry(1, { op: { kind: 'rename', title: 't' } }))).toBe(false);
    expect(batchable(entry(1, { action: { kind: 'react', emoji: '👍', targetId: 'x' } as OutboxEntry['action'] }))).toBe(false);
    expect(batchable(entry(1, { mute: { muted: true } }))).toBe(false);
    expect(batchable(entry(1, { profile: { about: 'x' } }))).toBe(false);
  });
});

describe('pickBatch', () => {
  const run = [1, 2, 3, 4, 5].map((n) => entry(n));

  it('takes the head and the plain messages behind it, in order, up to maxItems', () => {
    expect(ids(pickBatch(run, input, mine))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(pickBatch(run, input, mine, { maxItems: 3, maxBytes: 1e6 }))).toEqual([1, 2, 3]);
    expect(pickBatch([], input, mine)).toEqual([]);
  });

  it('stops at the first entry that cannot ride along: nothing behind it is taken (it would overtake it)', () => {
    const mixed = [entry(1), entry(2), entry(3, { uploads: ['u'] }), entry(4)];
    expect(ids(pickBatch(mixed, input, mine))).toEqual([1, 2]);
    const reply = [entry(1), entry(2, { replyTo: { key: 'me:c1', id: null } }), entry(3)];
    expect(ids(pickBatch(reply, input, mine))).toEqual([1]);
  });

  it('stops at an entry of another account or another lane', () => {
    expect(ids(pickBatch(run, input, (e) => e.localCreatedAt !== 3))).toEqual([1, 2]);
    expect(ids(pickBatch([entry(1), entry(2, { conversationId: 'me:else' }), entry(3)], input, mine))).toEqual([1]);
  });

  it('sends a head that failed before, or that is no plain message, alone', () => {
    expect(ids(pickBatch([entry(1, { attempts: 1 }), entry(2)], input, mine))).toEqual([1]);
    expect(ids(pickBatch([entry(1, { uploads: ['u'] }), entry(2)], input, mine))).toEqual([1]);
  });

  it('keeps the JSON under maxBytes, the head whatever its size', () => {
    const one = jsonBytes(input(entry(1)));
    expect(ids(pickBatch(run, input, mine, { maxItems: 50, maxBytes: one * 2 }))).toEqual([1, 2]);
    expect(ids(pickBatch(run, input, mine, { maxItems: 50, maxBytes: 1 }))).toEqual([1]);
    // UTF-8 bytes, not characters.
    expect(jsonBytes('é')).toBe(jsonBytes('e') + 1);
  });
});

describe('splitResults', () => {
  const batch = [1, 2, 3, 4].map((n) => entry(n));

  it('acks each answered message; those without an answer stay queued', () => {
    const out = splitResults(batch, [{ ok: true, message: message(batch[0]!, 1) }, { ok: true, message: message(batch[1]!, 2) }]);
    expect(out.acked.map((a) => a.message.seq)).toEqual([1, 2]);
    expect(out.refused).toEqual([]);
    expect(out.stopped).toBeUndefined();
  });

  it('a refusal for good fails that message and the batch goes on (as one-by-one sending would)', () => {
    const out = splitResults(batch, [
      { ok: true, message: message(batch[0]!, 1) },
      { ok: false, code: 'FORBIDDEN', message: 'to: blocked' },
      { ok: true, message: message(batch[2]!, 2) },
    ]);
    expect(ids(out.acked.map((a) => a.entry))).toEqual([1, 3]);
    expect(out.refused.map((r) => [r.entry.localCreatedAt, r.error.code])).toEqual([[2, 'FORBIDDEN']]);
  });

  it('stops at the first failure for now: nothing after it is taken, even if (wrongly) answered', () => {
    const out = splitResults(batch, [
      { ok: true, message: message(batch[0]!, 1) },
      { ok: false, code: 'RATE_LIMITED', message: 'slow down' },
      { ok: true, message: message(batch[2]!, 2) },
    ]);
    expect(ids(out.acked.map((a) => a.entry))).toEqual([1]);
    expect(out.stopped?.entry.localCreatedAt).toBe(2);
    expect(out.stopped?.error.code).toBe('RATE_LIMITED');
  });

  it('a result for another clientId is a broken answer: never drops an entry on it', () => {
    const out = splitResults(batch, [{ ok: true, message: message(batch[1]!, 1) }]);
    expect(out.acked).toEqual([]);
    expect(out.stopped?.entry.localCreatedAt).toBe(1);
    expect(out.stopped?.error.code).toBe('INTERNAL');
  });

  it('ignores results past the batch', () => {
    const out = splitResults([batch[0]!], [{ ok: true, message: message(batch[0]!, 1) }, { ok: true, message: message(batch[1]!, 2) }]);
    expect(out.acked).toHaveLength(1);
  });
});

describe('wholeBatchFailure', () => {
  it('a batch refused as a whole is transient for its head; sign-out and network errors keep their meaning', () => {
    expect((wholeBatchFailure(new PigeonError('PAYLOAD_TOO_LARGE', 'big')) as PigeonError).code).toBe('UNAVAILABLE');
    expect((wholeBatchFailure(new PigeonError('VALIDATION', 'x')) as PigeonError).code).toBe('UNAVAILABLE');
    expect((wholeBatchFailure(new PigeonError('UNAUTHENTICATED', 'x')) as PigeonError).code).toBe('UNAUTHENTICATED');
    expect((wholeBatchFailure(new PigeonError('RATE_LIMITED', 'x')) as PigeonError).code).toBe('RATE_LIMITED');
    const other = new Error('boom');
    expect(wholeBatchFailure(other)).toBe(other);
  });
});
