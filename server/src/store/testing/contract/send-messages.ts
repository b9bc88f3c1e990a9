import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { storedMessage } from '../../store.ts';
import { ISO_RE, type ContractFixture } from './fixture.ts';

export function describeSendMessagesContract(fx: ContractFixture): void {
  const { user, req, send, wholeHistory } = fx;
  describe('sendMessages', () => {
    it('stores a message with server fields and seq 1, 2, 3 in a conversation', async () => {
      const a = await user();
      const b = await user();
      const m1 = await send(a, b, 'one');
      const m2 = await send(b, a, 'two');
      const m3 = await send(a, b, 'three');
      expect([m1.seq, m2.seq, m3.seq]).toEqual([1, 2, 3]);
      expect(m1).toMatchObject({
        conversationId: directConversationId(a.id, b.id),
        senderId: a.id,
        recipientId: b.id,
        body: 'one',
        status: 'sent',
      });
      expect(m2.conversationId).toBe(m1.conversationId);
      expect(m1.createdAt).toMatch(ISO_RE);
      expect(new Set([m1.id, m2.id, m3.id]).size).toBe(3);
      expect(await wholeHistory(m1.conversationId)).toEqual([m1, m2, m3]);
    });

    it('numbers each conversation separately', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const ab1 = await send(a, b);
      const ac1 = await send(a, c);
      const ab2 = await send(b, a);
      const ac2 = await send(c, a);
      expect([ab1.seq, ab2.seq, ac1.seq, ac2.seq]).toEqual([1, 2, 1, 2]);
    });

    it('returns outcomes in input order and gives a batch increasing seqs in input order', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const batch = [req(a, b, 'b1'), req(a, c, 'c1'), req(b, a, 'b2'), req(c, a, 'c2'), req(a, b, 'b3')];
      const outcomes = await fx.store.sendMessages(batch);
      expect(outcomes.map((o) => storedMessage(o).body)).toEqual(['b1', 'c1', 'b2', 'c2', 'b3']);
      expect(outcomes.map((o) => storedMessage(o).clientId)).toEqual(batch.map((r) => r.clientId));
      expect(outcomes.map((o) => storedMessage(o).seq)).toEqual([1, 1, 2, 2, 3]);
      expect(outcomes.every((o) => o.created)).toBe(true);
    });

    it('an empty batch is a no-op', async () => {
      expect(await fx.store.sendMessages([])).toEqual([]);
    });

    it('a repeated (sender, clientId) returns the stored message, created: false, and uses no seq', async () => {
      const a = await user();
      const b = await user();
      const first = await fx.store.sendMessages([req(a, b, 'original', 'dup-client-1')]);
      expect(first[0]!.created).toBe(true);
      const again = await fx.store.sendMessages([req(a, b, 'original', 'dup-client-1')]);
      expect(again[0]).toEqual({ message: first[0]!.message, created: false });
      // The stored message wins even if a retry carries a different body.
      const changed = await fx.store.sendMessages([req(a, b, 'edited on retry', 'dup-client-1')]);
      expect(changed[0]).toEqual({ message: first[0]!.message, created: false });

      const next = await send(a, b);
      expect(next.seq).toBe(2);
      expect((await wholeHistory(next.conversationId)).map((m) => m.seq)).toEqual([1, 2]);
    });

    it('a repeat returns the stored message with its current status', async () => {
      const a = await user();
      const b = await user();
      const m = await send(a, b, 'x', 'status-dup-1');
      await fx.store.markDelivered(b.id, [m.id], new Date().toISOString());
      const [again] = await fx.store.sendMessages([req(a, b, 'x', 'status-dup-1')]);
      expect(again).toEqual({ message: { ...m, status: 'delivered' }, created: false });
    });

    it('duplicates inside one batch resolve to one message', async () => {
      const a = await user();
      const b = await user();
      const batch = [req(a, b, 'x', 'in-batch-1'), req(a, b, 'y'), req(a, b, 'x', 'in-batch-1'), req(a, b, 'x', 'in-batch-1')];
      const outcomes = await fx.store.sendMessages(batch);
      expect(outcomes.map((o) => o.created)).toEqual([true, true, false, false]);
      expect(storedMessage(outcomes[2]!)).toEqual(storedMessage(outcomes[0]!));
      expect(storedMessage(outcomes[3]!)).toEqual(storedMessage(outcomes[0]!));
      expect(outcomes.map((o) => storedMessage(o).seq)).toEqual([1, 2, 1, 1]);
      expect(await wholeHistory(storedMessage(outcomes[0]!).conversationId)).toHaveLength(2);
    });

    it('50 concurrent sends of one clientId store exactly one message', async () => {
      const a = await user();
      const b = await user();
      const clientId = 'concurrent-dup-0001';
      const singles = Array.from({ length: 50 }, () => fx.store.sendMessages([req(a, b, 'same', clientId)]));
      const inOneBatch = fx.store.sendMessages(Array.from({ length: 10 }, () => req(a, b, 'same', clientId)));
      const mixedBatch = fx.store.sendMessages([req(a, b, 'other'), req(a, b, 'same', clientId), req(a, b, 'other2')]);
      const results = await Promise.all([...singles, inOneBatch, mixedBatch]);
      const outcomes = results.flatMap((r) => r).filter((o) => storedMessage(o).clientId === clientId);
      expect(outcomes).toHaveLength(50 + 10 + 1);
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      const ids = new Set(outcomes.map((o) => storedMessage(o).id));
      const seqs = new Set(outcomes.map((o) => storedMessage(o).seq));
      expect(ids.size).toBe(1);
      expect(seqs.size).toBe(1);

      const history = await wholeHistory(directConversationId(a.id, b.id));
      expect(history.filter((m) => m.clientId === clientId)).toHaveLength(1);
      expect(history.map((m) => m.seq)).toEqual([1, 2, 3]);
    });

    it('the same clientId from two different senders is two messages', async () => {
      const a = await user();
      const b = await user();
      const [fromA] = await fx.store.sendMessages([req(a, b, 'from a', 'shared-client-1')]);
      const [fromB] = await fx.store.sendMessages([req(b, a, 'from b', 'shared-client-1')]);
      expect(fromA!.created).toBe(true);
      expect(fromB!.created).toBe(true);
      expect(storedMessage(fromA!).id).not.toBe(storedMessage(fromB!).id);
      expect(await wholeHistory(storedMessage(fromA!).conversationId)).toHaveLength(2);
    });

    it('keeps seq gap-free and unique under many concurrent batches from both members', async () => {
      const a = await user();
      const b = await user();
      const batches = Array.from({ length: 20 }, (_, i) =>
        fx.store.sendMessages(
          Array.from({ length: 5 }, (_, j) => (i % 2 ? req(a, b, `a${i}.${j}`) : req(b, a, `b${i}.${j}`))),
        ),
      );
      const results = await Promise.all(batches);
      for (const outcomes of results) {
        const seqs = outcomes.map((o) => storedMessage(o).seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }
      const allSeqs = results.flatMap((r) => r.map((o) => storedMessage(o).seq)).sort((x, y) => x - y);
      expect(allSeqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const history = await wholeHistory(directConversationId(a.id, b.id));
      expect(history.map((m) => m.seq)).toEqual(allSeqs);
    });
  });
}
