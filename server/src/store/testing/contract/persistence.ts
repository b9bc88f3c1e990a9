import { describe, expect, it } from 'vitest';
import type { ContractFixture } from './fixture.ts';

export function describePersistenceContract(fx: ContractFixture): void {
  const { user, req, send, wholeHistory } = fx;
  it('storeIdentity: one non-empty id, the same at every call', async () => {
    const ids = await Promise.all([fx.store.storeIdentity(), fx.store.storeIdentity()]);
    expect(ids[0]).toMatch(/^[0-9a-f-]{16,}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(await fx.store.storeIdentity()).toBe(ids[0]);
  });

  describe.runIf(fx.canReopen)('persistence across close and reopen', () => {
    it('keeps users, messages, statuses, seqs, dedupe and change positions', async () => {
      const a = await user('persist_a', 'Persist A');
      const b = await user('persist_b');
      await fx.store.setLastSeen(a.id, '2031-05-06T07:08:09.000Z');
      const sent = await fx.store.sendMessages([req(a, b, 'p1', 'persist-client-1'), req(b, a, 'p2'), req(a, b, 'p3')]);
      const [m1] = sent.map((o) => o.message);
      await fx.store.markDelivered(b.id, [m1!.id], new Date().toISOString());
      const historyBefore = await wholeHistory(m1!.conversationId);
      const changesBefore = await fx.store.changesSince(a.id, 0, 100);
      const convsBefore = await fx.store.listConversations(b.id);
      const identity = await fx.store.storeIdentity();

      await fx.reopen();

      expect(await fx.store.storeIdentity()).toBe(identity);
      expect(await fx.store.findUserByUsername('PERSIST_A')).toEqual({ ...a, lastSeen: '2031-05-06T07:08:09.000Z' });
      expect(await wholeHistory(m1!.conversationId)).toEqual(historyBefore);
      expect(await fx.store.changesSince(a.id, 0, 100)).toEqual(changesBefore);
      expect(await fx.store.listConversations(b.id)).toEqual(convsBefore);
      await expect(fx.store.createUser({ username: 'Persist_B', displayName: 'x', passwordHash: 'h' })).rejects.toMatchObject({
        code: 'USERNAME_TAKEN',
      });

      const [dup] = await fx.store.sendMessages([req(a, b, 'p1', 'persist-client-1')]);
      expect(dup).toEqual({ message: historyBefore[0], created: false });
      const next = await send(b, a, 'p4');
      expect(next.seq).toBe(4);
      const after = await fx.store.changesSince(a.id, changesBefore.position, 100);
      expect(after.messages).toEqual([next]);
      expect(after.position).toBeGreaterThan(changesBefore.position);
    });
  });
}
