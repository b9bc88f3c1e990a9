import { describe, expect, it } from 'vitest';
import type { MuteRecord } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Per-chat mutes (notification-records.ts): one record per (user, conversation), replaced by each
 * change; an unmute stays as a record (muted: false) so the user's other devices learn of it.
 */
export function describeMutesContract(fx: ContractFixture, g: GroupFixture): void {
  const { user } = fx;
  const byConversation = (a: MuteRecord, b: MuteRecord) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0);

  describe('mutes', () => {
    it('setMute records and returns the mute; mutesOf lists it; nobody else’s', async () => {
      const [a, b] = [await user(), await user()];
      const m = await fx.send(a, b, 'hi');
      const mute = await fx.store.setMute(a.id, m.conversationId, true, '2026-12-01T10:00:00.000Z');
      expect(mute).toEqual({ userId: a.id, conversationId: m.conversationId, muted: true, changedAt: '2026-12-01T10:00:00.000Z' });
      expect(await fx.store.mutesOf(a.id)).toEqual([mute]);
      expect(await fx.store.mutesOf(b.id)).toEqual([]);
    });

    it('a later change replaces the record; an unmute stays as a record with muted false', async () => {
      const [a, b] = [await user(), await user()];
      const m = await fx.send(a, b, 'hi');
      await fx.store.setMute(a.id, m.conversationId, true, '2026-12-01T10:00:00.000Z');
      const unmute = await fx.store.setMute(a.id, m.conversationId, false, '2026-12-01T10:00:05.000Z');
      expect(unmute).toEqual({ userId: a.id, conversationId: m.conversationId, muted: false, changedAt: '2026-12-01T10:00:05.000Z' });
      expect(await fx.store.mutesOf(a.id)).toEqual([unmute]);
      const again = await fx.store.setMute(a.id, m.conversationId, true, '2026-12-01T10:00:09.000Z');
      expect(await fx.store.mutesOf(a.id)).toEqual([again]);
    });

    // Two devices of the user changing one chat at once, on two server nodes: the first mute of a chat
    // is an upsert, and two concurrent upserts of one new record made FerretDB refuse one as a
    // duplicate (an unhandled E11000 in a 2-node chaos run). Both are answered; one record stays,
    // the one stamped last (devices keep the latest stamp they hear of).
    it('changes of one chat made at once are all answered, and the one record left is the one stamped last', async () => {
      const [a, b] = [await user(), await user()];
      const m = await fx.send(a, b, 'hi');
      const at = (i: number) => `2026-12-01T10:00:0${i}.000Z`;
      const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => fx.store.setMute(a.id, m.conversationId, i % 2 === 0, at(i))));
      answers.forEach((r, i) => expect(r.changedAt >= at(i)).toBe(true));
      expect(new Set(answers.map((r) => r.changedAt)).size).toBe(answers.length);
      const records = await fx.store.mutesOf(a.id);
      expect(records).toHaveLength(1);
      expect(records[0]).toEqual([...answers].sort((x, y) => (x.changedAt < y.changedAt ? -1 : 1)).at(-1));
    });

    // Chaos seed 3 (a clean-clone CI): two devices muted and unmuted one chat within a few ms, both
    // stamped in one millisecond; the device that heard its own answer first kept it, while the store
    // kept the other. A change is stamped after the one it replaces, so the latest stamp is the record.
    it('a change stamped no later than the record it replaces gets the next millisecond', async () => {
      const [a, b] = [await user(), await user()];
      const m = await fx.send(a, b, 'hi');
      const first = await fx.store.setMute(a.id, m.conversationId, true, '2026-12-01T10:00:00.000Z');
      const same = await fx.store.setMute(a.id, m.conversationId, false, '2026-12-01T10:00:00.000Z');
      expect(same).toMatchObject({ muted: false, changedAt: '2026-12-01T10:00:00.001Z' });
      const behind = await fx.store.setMute(a.id, m.conversationId, true, '2026-12-01T09:59:59.000Z');
      expect(behind).toMatchObject({ muted: true, changedAt: '2026-12-01T10:00:00.002Z' });
      expect(await fx.store.mutesOf(a.id)).toEqual([behind]);
      expect(first.changedAt < same.changedAt).toBe(true);
    });

    it('mutesOf holds one record per conversation of the user', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const direct = await fx.send(a, b, 'hi');
      const { id: groupId } = await g.group(a, [b, c]);
      const m1 = await fx.store.setMute(a.id, direct.conversationId, true, '2026-12-01T10:00:00.000Z');
      const m2 = await fx.store.setMute(a.id, groupId, false, '2026-12-01T10:00:01.000Z');
      await fx.store.setMute(b.id, groupId, true, '2026-12-01T10:00:02.000Z');
      expect([...(await fx.store.mutesOf(a.id))].sort(byConversation)).toEqual([m1, m2].sort(byConversation));
    });

    it('mutedAmong gives those of the users who have this conversation muted now', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id: groupId } = await g.group(a, [b, c, d]);
      const other = await fx.send(a, b, 'elsewhere');
      await fx.store.setMute(a.id, groupId, true, '2026-12-01T10:00:00.000Z');
      await fx.store.setMute(b.id, groupId, true, '2026-12-01T10:00:00.000Z');
      await fx.store.setMute(b.id, groupId, false, '2026-12-01T10:00:01.000Z'); // unmuted again
      await fx.store.setMute(c.id, other.conversationId, true, '2026-12-01T10:00:00.000Z'); // another chat
      await fx.store.setMute(c.id, groupId, false, '2026-12-01T10:00:00.000Z');
      expect(await fx.store.mutedAmong(groupId, [a.id, b.id, c.id, d.id])).toEqual([a.id]);
      expect([...(await fx.store.mutedAmong(groupId, [b.id, c.id, d.id]))]).toEqual([]);
      expect(await fx.store.mutedAmong(groupId, [])).toEqual([]);
      expect(await fx.store.mutedAmong(other.conversationId, [a.id, b.id, c.id])).toEqual([c.id]);
    });
  });
}
