/**
 * Batched sends (extension, issue #20): `send-messages` and `POST /api/messages/batch` over real
 * Socket.io and HTTP, on both stores. What matters: what is stored is a prefix of the batch in
 * order (refusals for good aside), each clientId once, and a batch sent again answers the stored copies.
 */
import type { Message, SendBatchResult } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { fullHistory, http, newClientId, record, register, STORE_VARIANTS, useTestServer, waitFor, type ClientSocket } from './helpers.ts';

type Item = { clientId: string; to: string; body: string };
const items = (to: string, n: number, from = 0): Item[] => Array.from({ length: n }, (_, i) => ({ clientId: newClientId(), to, body: `batched ${from + i}` }));
const overSocket = (s: ClientSocket, messages: unknown[]) => s.timeout(10_000).emitWithAck('send-messages', { messages });
const overRest = (url: string, token: string, messages: unknown[]) => http<{ results: SendBatchResult[] }>(url, '/api/messages/batch', { token, json: { messages } });
const stored = (results: readonly SendBatchResult[]): Message[] => results.flatMap((r) => (r.ok ? [r.message] : []));

describe.each(STORE_VARIANTS)('batched sends on $kind', (variant) => {
  const t = useTestServer(variant);

  it('socket: one result per message in order, consecutive seqs, a new-message each for the peer', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const [sa, sb] = [await t.open(a.token), await t.open(b.token)];
    const heard = record(sb, 'new-message');
    const batch = items(b.id, 12);
    const ack = await overSocket(sa, batch);
    if (!ack.ok) throw new Error(`refused: ${ack.code}`);
    expect(ack.results.map((r: SendBatchResult) => r.ok && [r.message.clientId, r.message.seq])).toEqual(batch.map((m, i) => [m.clientId, i + 1]));
    await waitFor('the peer hears each one', () => heard.length === 12);
    expect(heard.map((e) => e.message.body)).toEqual(batch.map((m) => m.body));
    expect((await fullHistory(t.url, a.token, b.id)).map((m) => m.body)).toEqual(batch.map((m) => m.body));
  });

  it('REST: 200 { results }, after single sends, in order', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    await http(t.url, '/api/messages', { token: a.token, json: { clientId: newClientId(), to: b.id, body: 'single first' } });
    const res = await overRest(t.url, a.token, items(b.id, 5));
    expect(res.status).toBe(200);
    expect(stored(res.body.results).map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
    expect((await fullHistory(t.url, a.token, b.id)).map((m) => m.body)).toEqual(['single first', ...[0, 1, 2, 3, 4].map((i) => `batched ${i}`)]);
  });

  it('a batch sent again (its ack lost) answers the stored copies, and the new tail comes after them: exactly once, in order', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const sa = await t.open(a.token);
    const batch = items(b.id, 6);
    const first = await overRest(t.url, a.token, batch.slice(0, 3));
    const again = await overSocket(sa, batch);
    if (!again.ok) throw new Error('refused');
    expect(stored(again.results).map((m) => m.id).slice(0, 3)).toEqual(stored(first.body.results).map((m) => m.id));
    expect(stored(again.results).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const third = await overRest(t.url, a.token, batch);
    expect(third.body.results).toEqual(again.results);
    expect(await fullHistory(t.url, a.token, b.id)).toHaveLength(6);
  });

  it('a message refused for good is answered alone; the batch goes on in order (as one-by-one sending would)', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const batch: unknown[] = items(b.id, 4);
    batch.splice(1, 0, { clientId: newClientId(), to: b.id, body: '   ' }, { clientId: newClientId(), to: 'nobody-at-all', body: 'lost' }, { nonsense: true });
    const res = await overRest(t.url, a.token, batch);
    expect(res.body.results.map((r) => (r.ok ? r.message.seq : r.code))).toEqual([1, 'VALIDATION', 'NOT_FOUND', 'VALIDATION', 2, 3, 4]);
    expect((await fullHistory(t.url, a.token, b.id)).map((m) => m.body)).toEqual([0, 1, 2, 3].map((i) => `batched ${i}`));
  });

  it('a blocked peer refuses every message of the batch, none stored', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    expect((await http(t.url, `/api/users/${a.id}/block`, { method: 'POST', token: b.token })).status).toBe(204);
    const res = await overRest(t.url, a.token, items(b.id, 3));
    expect(res.body.results.map((r) => !r.ok && r.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it('the envelope is checked as a whole: empty, too many, not a list → VALIDATION, nothing stored', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const sa = await t.open(a.token);
    expect((await overRest(t.url, a.token, [])).status).toBe(400);
    expect((await overRest(t.url, a.token, items(b.id, 51))).status).toBe(400);
    expect(await sa.timeout(10_000).emitWithAck('send-messages', { messages: 'x' } as never)).toMatchObject({ ok: false, code: 'VALIDATION' });
    expect((await http(t.url, '/api/messages/batch', { json: { messages: items(b.id, 1) } })).status).toBe(401);
    expect(await fullHistory(t.url, a.token, b.id)).toEqual([]);
  });
});

describe('batched sends: limits (sqlite)', () => {
  const t = useTestServer({ kind: 'sqlite' }, { sendRateLimit: 3 });

  it('the rate limit takes a prefix: the first refused message ends the answer, nothing after it is stored', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const res = await overRest(t.url, a.token, items(b.id, 5));
    expect(res.body.results.map((r) => (r.ok ? r.message.seq : r.code))).toEqual([1, 2, 3, 'RATE_LIMITED']);
    expect(await fullHistory(t.url, a.token, b.id)).toHaveLength(3);
  });
});

describe('batched sends: SEND_BATCH_MAX (sqlite)', () => {
  const t = useTestServer({ kind: 'sqlite' }, { sendBatchMax: 2 });

  it('handles the first SEND_BATCH_MAX messages and leaves the rest unanswered (not stored)', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const sa = await t.open(a.token);
    const ack = await overSocket(sa, items(b.id, 5));
    if (!ack.ok) throw new Error('refused');
    expect(stored(ack.results).map((m) => m.seq)).toEqual([1, 2]);
    expect(await fullHistory(t.url, a.token, b.id)).toHaveLength(2);
  });
});

describe('batched sends: the connection drops after the commit, before the ack (sqlite)', () => {
  let drop = true;
  const t = useTestServer({ kind: 'sqlite' }, { testHooks: { afterStoreBeforeAck: () => (drop ? 'drop' : undefined) } });

  it('the sender hears nothing; sending the batch again answers the stored copies: exactly once', async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const batch = items(b.id, 4);
    const sa = await t.open(a.token);
    const gone = new Promise<string>((resolve) => sa.once('disconnect', resolve));
    await expect(overSocket(sa, batch)).rejects.toThrow();
    expect(await gone).toBe('transport close');
    drop = false;
    const again = await overRest(t.url, a.token, batch);
    expect(stored(again.body.results).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(await fullHistory(t.url, a.token, b.id)).toHaveLength(4);
  });
});
