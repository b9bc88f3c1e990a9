import { describe, expect, it } from 'vitest';
import type { ActionFixture } from './action-fixture.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Message actions in the change feed (Store.changesSince): a content change moves the message to
 * a new position, like a status change, so a device catching up gets its latest state once; a
 * hide (delete for me) is in the actor's feed only, as the message with `hiddenAt`.
 */
export function describeActionsFeedContract(fx: ContractFixture, g: GroupFixture, a$: ActionFixture): void {
  const { user, send, sendMany } = fx;
  const { ok, after } = a$;
  const position = async (userId: string) => (await fx.drainChanges(userId)).position;

  describe('message actions in the change feed', () => {
    it('a change comes once, at its latest state, after everything before it; a cursor taken before sees it', async () => {
      const [a, b] = [await user(), await user()];
      const [m1, m2, m3] = await sendMany(a, b, 3);
      const [posA, posB] = [await position(a.id), await position(b.id)];
      await ok(b, m1!, { kind: 'react', emoji: '👍' });
      const edited = await ok(a, m1!, { kind: 'edit', body: 'm1 edited' });
      expect(edited.message).toMatchObject({ body: 'm1 edited', reactions: [{ userId: b.id, emoji: '👍' }], version: 2 });

      for (const [u, pos] of [[a, posA], [b, posB]] as const) {
        const page = await fx.store.changesSince(u.id, pos, 100);
        expect(page.messages).toEqual([edited.message]);
        expect(page.position).toBeGreaterThan(pos);
        // From the start, in one page: m1 once, at its new place.
        expect((await fx.store.changesSince(u.id, 0, 100)).messages).toEqual([m2, m3, edited.message]);
      }
    });

    it('an action that changes nothing takes no new position', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      await ok(b, m, { kind: 'react', emoji: '👍' });
      const pos = await position(b.id);
      await ok(b, m, { kind: 'react', emoji: '👍' });
      await ok(a, m, { kind: 'edit', body: m.body });
      expect((await fx.store.changesSince(b.id, pos, 100)).messages).toEqual([]);
      expect((await fx.store.changesSince(a.id, pos, 100)).messages).toEqual([]);
    });

    it('status and content changes of one message interleave: the feed has its latest state of both', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'hi');
      const pos = await position(a.id);
      await ok(b, m, { kind: 'react', emoji: '👍' });
      await fx.store.markRead(b.id, m.conversationId, m.seq, new Date().toISOString());
      const page = await fx.store.changesSince(a.id, pos, 100);
      expect(page.messages).toHaveLength(1);
      expect(page.messages[0]).toMatchObject({ id: m.id, status: 'read', reactions: [{ userId: b.id, emoji: '👍' }], version: 1 });
      expect(await fx.store.getMessage(m.id)).toEqual(page.messages[0]);
    });

    it('a hide is in the actor’s feed only, with hiddenAt; it changes no version and nobody else’s view', async () => {
      const [a, b] = [await user(), await user()];
      const [m1, m2] = await sendMany(a, b, 2);
      const [posA, posB] = [await position(a.id), await position(b.id)];
      const at = after(m1!, 5000);
      const hidden = await ok(b, m1!, { kind: 'hide' }, { at, clientId: 'hide-1' });
      expect(hidden.applied).toBe(true);
      expect(hidden.affected).toEqual([]);
      expect(hidden.message).toEqual({ ...m1!, hiddenAt: at });

      const mine = await fx.store.changesSince(b.id, posB, 100);
      expect(mine.messages).toEqual([{ ...m1!, hiddenAt: at }]);
      expect(mine.position).toBeGreaterThan(posB);
      expect((await fx.store.changesSince(a.id, posA, 100)).messages).toEqual([]);
      expect((await fx.store.changesSince(b.id, 0, 100)).messages).toEqual([m2, { ...m1!, hiddenAt: at }]);
      expect((await fx.store.getMessage(m1!.id))!.version).toBe(0);

      // Again (a replay, or another device's own hide): nothing new, the first hiddenAt stays.
      const replay = await ok(b, m1!, { kind: 'hide' }, { clientId: 'hide-1' });
      const otherDevice = await ok(b, m1!, { kind: 'hide' }, { at: after(m1!, 9000) });
      for (const o of [replay, otherDevice]) expect(o).toEqual({ message: { ...m1!, hiddenAt: at }, applied: false, affected: [] });
      expect((await fx.store.changesSince(b.id, mine.position, 100)).messages).toEqual([]);
    });

    it('later changes of a message the reader hid keep hiddenAt in the reader’s feed, and only there', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      const hidden = await ok(b, m, { kind: 'hide' });
      const hiddenAt = hidden.message.hiddenAt!;
      const [posA, posB] = [await position(a.id), await position(b.id)];
      const reacted = await ok(a, m, { kind: 'react', emoji: '🙈' });
      expect(reacted.message.hiddenAt ?? null).toBeNull();
      expect((await fx.store.changesSince(a.id, posA, 100)).messages).toEqual([reacted.message]);
      expect((await fx.store.changesSince(b.id, posB, 100)).messages).toEqual([{ ...reacted.message, hiddenAt }]);
      // The actor's own answer says they hid it.
      const mine = await ok(b, m, { kind: 'react', emoji: '👍' });
      expect(mine.message).toMatchObject({ hiddenAt, version: 2 });
      // A full drain in pages of one may hold an older copy too; the last copy is the latest state.
      const latest = a$.latestById((await fx.drainChanges(b.id, 0, 1)).messages);
      expect(latest.get(m.id)).toEqual({ ...mine.message, hiddenAt });
    });

    it('the history a user reads carries their hiddenAt, and nobody else’s', async () => {
      const [a, b] = [await user(), await user()];
      const [m1, m2] = await sendMany(a, b, 2);
      const hidden = await ok(b, m1!, { kind: 'hide' });
      expect(await fx.store.getHistory(m1!.conversationId, null, 10, b.id)).toEqual([hidden.message, m2]);
      const forA = await fx.store.getHistory(m1!.conversationId, null, 10, a.id);
      expect(forA.map((m) => m.hiddenAt ?? null)).toEqual([null, null]);
      const { id } = await g.group(a, [b]);
      const gm = await g.gsend(a, id, 'group message');
      const gHidden = await ok(b, gm, { kind: 'hide' });
      expect((await g.historyOf(id, b)).at(-1)).toEqual(gHidden.message);
      expect((await g.historyOf(id, a)).at(-1)!.hiddenAt ?? null).toBeNull();
    });

    it('a hide in a group is in the hider’s feed only; the other members see nothing', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'to hide');
      const [posA, posC] = [await position(a.id), await position(c.id)];
      const hidden = await ok(b, m, { kind: 'hide' });
      expect((await g.feed(b)).messages.filter((x) => x.id === m.id).at(-1)).toEqual({ ...m, hiddenAt: hidden.message.hiddenAt });
      expect((await fx.store.changesSince(a.id, posA, 100)).messages).toEqual([]);
      expect((await fx.store.changesSince(c.id, posC, 100)).messages).toEqual([]);
    });

    it('group members (and a former member, for a message of their period) get a content change', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'group hello');
      await g.changed(a, id, { kind: 'remove', userId: c.id });
      const positions = await Promise.all([a, b, c].map((u) => position(u.id)));
      const reacted = await ok(b, m, { kind: 'react', emoji: '🔥' });
      for (const [i, u] of [a, b, c].entries()) {
        const page = await fx.store.changesSince(u.id, positions[i]!, 100);
        expect(page.messages).toEqual([reacted.message]);
      }
      const outsider = await user();
      expect((await fx.drainChanges(outsider.id)).messages).toEqual([]);
    });

    it('a content change after a later send orders the changed message after it', async () => {
      const [a, b] = [await user(), await user()];
      const m1 = await send(a, b, 'one');
      const pos = await position(b.id);
      const m2 = await send(b, a, 'two');
      const reacted = await ok(b, m1, { kind: 'react', emoji: '👍' });
      const m3 = await send(a, b, 'three');
      const { messages } = await fx.drainChanges(b.id, pos, 1);
      expect(messages).toEqual([m2, reacted.message, m3]);
    });
  });
}
