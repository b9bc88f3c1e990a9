import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, type ActionFixture } from './action-fixture.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Store.applyActions (contract v2, "Message actions"): react, edit, delete for everyone, each
 * judged by the shared rules (@pigeon/sync-protocol model/action-rules.ts) in the commit, and
 * idempotent by (actor, clientId). Times are the injected `at` of each request.
 */
export function describeActionsContract(fx: ContractFixture, g: GroupFixture, a$: ActionFixture): void {
  const { user, send } = fx;
  const { ok, act, areq, expectRefused, after } = a$;

  describe('message actions: reactions', () => {
    it('one reaction per user: a new emoji replaces the old one (and goes last), "" removes it', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'react to me');
      const first = await ok(b, m, { kind: 'react', emoji: '👍' });
      expect(first).toMatchObject({ applied: true, affected: [] });
      expect(first.message).toMatchObject({ id: m.id, seq: m.seq, body: 'react to me', reactions: [{ userId: b.id, emoji: '👍' }], version: 1 });

      const second = await ok(a, m, { kind: 'react', emoji: '😂' });
      expect(second.message.reactions).toEqual([{ userId: b.id, emoji: '👍' }, { userId: a.id, emoji: '😂' }]);
      const replaced = await ok(b, m, { kind: 'react', emoji: '❤️' });
      expect(replaced.message.reactions).toEqual([{ userId: a.id, emoji: '😂' }, { userId: b.id, emoji: '❤️' }]);
      expect(replaced.message.version).toBe(3);

      const removed = await ok(b, m, { kind: 'react', emoji: '' });
      expect(removed.applied).toBe(true);
      expect(removed.message.reactions).toEqual([{ userId: a.id, emoji: '😂' }]);
      expect(removed.message.version).toBe(4);
      expect(await fx.store.getMessage(m.id)).toEqual(removed.message);
    });

    it('the same emoji again, or removing no reaction, changes nothing: applied false, version unchanged', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      const nothing = await ok(b, m, { kind: 'react', emoji: '' });
      expect(nothing).toEqual({ message: { ...m, version: 0 }, applied: false, affected: [] });
      await ok(b, m, { kind: 'react', emoji: '🎉' });
      const same = await ok(b, m, { kind: 'react', emoji: '🎉' });
      expect(same.applied).toBe(false);
      expect(same.message).toMatchObject({ reactions: [{ userId: b.id, emoji: '🎉' }], version: 1 });
    });
  });

  describe('message actions: idempotency by (actor, clientId)', () => {
    it('the same clientId twice applies once (version +1 once) and answers the current state', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      const once = await ok(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'react-once-1' });
      const again = await ok(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'react-once-1' });
      expect(once.applied).toBe(true);
      expect(again).toEqual({ message: once.message, applied: false, affected: [] });

      // A replay is recognised by its clientId, not its content: it never applies again,
      // and it answers the message as it is now.
      await ok(a, m, { kind: 'edit', body: 'edited since' });
      const replay = await ok(b, m, { kind: 'react', emoji: '😮' }, { clientId: 'react-once-1' });
      expect(replay.applied).toBe(false);
      expect(replay.message).toMatchObject({ body: 'edited since', reactions: [{ userId: b.id, emoji: '👍' }], version: 2 });
    });

    it('an action that changed nothing is still recorded: its replay stays a no-op', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      const noop = await ok(b, m, { kind: 'react', emoji: '' }, { clientId: 'noop-then-replay' });
      expect(noop.applied).toBe(false);
      await ok(b, m, { kind: 'react', emoji: '👍' });
      const replay = await ok(b, m, { kind: 'react', emoji: '' }, { clientId: 'noop-then-replay' });
      expect(replay.applied).toBe(false);
      expect(replay.message.reactions).toEqual([{ userId: b.id, emoji: '👍' }]);
    });

    it('clientIds are per actor, and apart from the clientIds of messages', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'x', 'shared-id-1');
      const byA = await ok(a, m, { kind: 'react', emoji: '👍' }, { clientId: 'shared-id-1' });
      const byB = await ok(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'shared-id-1' });
      expect([byA.applied, byB.applied]).toEqual([true, true]);
      expect(byB.message.reactions).toHaveLength(2);
    });

    it('a refusal records nothing: the same clientId applies once the action is allowed', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'in the group');
      await g.changed(a, id, { kind: 'remove', userId: c.id });
      expectRefused(await act(c, m, { kind: 'react', emoji: '👍' }, { clientId: 'retry-after-add' }), 'FORBIDDEN');
      await g.changed(a, id, { kind: 'add', userIds: [c.id] });
      const later = await ok(c, m, { kind: 'react', emoji: '👍' }, { clientId: 'retry-after-add' });
      expect(later.applied).toBe(true);
      expect(later.message.reactions).toEqual([{ userId: c.id, emoji: '👍' }]);
    });

    it('concurrent calls with one clientId apply it once', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => act(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'racing-1' })));
      expect(outcomes.filter((o) => o.applied === true)).toHaveLength(1);
      expect((await fx.store.getMessage(m.id))!.version).toBe(1);
    });
  });

  describe('message actions: edit and delete', () => {
    it('edit: the sender, within 15 minutes; body and editedAt change, version +1; the same body changes nothing', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'typo');
      const at = after(m, 14 * MINUTE);
      const edited = await ok(a, m, { kind: 'edit', body: 'fixed' }, { at });
      expect(edited.applied).toBe(true);
      expect(edited.message).toEqual({ ...m, body: 'fixed', editedAt: at, version: 1 });
      const same = await ok(a, m, { kind: 'edit', body: 'fixed' });
      expect(same).toEqual({ message: edited.message, applied: false, affected: [] });
      expectRefused(await act(b, m, { kind: 'edit', body: 'not mine' }), 'FORBIDDEN');
      expectRefused(await act(a, m, { kind: 'edit', body: 'too late' }, { at: after(m, 16 * MINUTE) }), 'CONFLICT');
      expect(await fx.store.getMessage(m.id)).toEqual(edited.message);
    });

    it('delete for everyone: a tombstone that keeps id, seq, sender and times; body, reactions and quote gone', async () => {
      const [a, b] = [await user(), await user()];
      const original = await send(b, a, 'original');
      const [sent] = await fx.store.sendMessages([{ ...fx.req(a, b, 'secret'), replyTo: original.id }]);
      const m = sent!.message!;
      await ok(b, m, { kind: 'react', emoji: '👍' });
      const at = after(m, 47 * HOUR);
      const deleted = await ok(a, m, { kind: 'delete' }, { at });
      expect(deleted.applied).toBe(true);
      expect(deleted.message).toEqual({ ...m, body: '', reactions: [], replyTo: null, attachments: [], deletedAt: at, version: 2 });
      expect(await fx.store.getHistory(m.conversationId, null, 10)).toEqual([original, deleted.message]);

      const again = await ok(a, m, { kind: 'delete' });
      expect(again).toEqual({ message: deleted.message, applied: false, affected: [] });
      expectRefused(await act(a, m, { kind: 'edit', body: 'resurrect' }), 'CONFLICT');
      expectRefused(await act(b, m, { kind: 'react', emoji: '👍' }), 'CONFLICT');
    });

    it('delete: the sender only, within 48 hours', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      expectRefused(await act(b, m, { kind: 'delete' }), 'FORBIDDEN');
      expectRefused(await act(a, m, { kind: 'delete' }, { at: after(m, 49 * HOUR) }), 'CONFLICT');
      expect((await fx.store.getMessage(m.id))!.deletedAt).toBeNull();
    });

    it('NOT_FOUND: an unknown message, or one outside the actor’s conversations', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const m = await send(a, b);
      expectRefused(await act(a, { ...m, id: 'no-such-message' }, { kind: 'react', emoji: '👍' }), 'NOT_FOUND');
      for (const action of [{ kind: 'react', emoji: '👍' }, { kind: 'hide' }] as const) {
        expectRefused(await act(c, m, action), 'NOT_FOUND');
      }
    });

    it('VALIDATION: a system message takes no reaction, edit or delete (a hide is fine)', async () => {
      const [a, b] = [await user(), await user()];
      const { created } = await g.group(a, [b]);
      expectRefused(await act(b, created, { kind: 'react', emoji: '👍' }), 'VALIDATION');
      expectRefused(await act(a, created, { kind: 'edit', body: 'x' }), 'VALIDATION');
      expectRefused(await act(a, created, { kind: 'delete' }), 'VALIDATION');
      expect((await ok(b, created, { kind: 'hide' })).message.id).toBe(created.id);
    });
  });

  describe('message actions: batches', () => {
    it('several actions on one message apply in input order, each answered with its own state', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'first');
      const other = await send(b, a, 'other');
      const batch = [
        areq(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'b1' }),
        areq(a, m, { kind: 'edit', body: 'second' }),
        areq(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'b1' }), // a replay inside the batch
        areq(a, other, { kind: 'edit', body: 'not a’s' }), // refused, and nothing else is
        areq(b, m, { kind: 'react', emoji: '❤️' }),
        areq(a, m, { kind: 'delete' }),
        areq(a, m, { kind: 'edit', body: 'after the delete' }),
      ];
      const outcomes = await fx.store.applyActions(batch);
      expect(outcomes.map((o) => o.refused?.code ?? o.applied)).toEqual([true, true, false, 'FORBIDDEN', true, true, 'CONFLICT']);
      expect(outcomes[0]!.message).toMatchObject({ body: 'first', reactions: [{ userId: b.id, emoji: '👍' }], version: 1 });
      expect(outcomes[1]!.message).toMatchObject({ body: 'second', version: 2 });
      expect(outcomes[2]!.message).toMatchObject({ body: 'second', version: 2 });
      expect(outcomes[4]!.message).toMatchObject({ body: 'second', reactions: [{ userId: b.id, emoji: '❤️' }], version: 3 });
      expect(outcomes[5]!.message).toMatchObject({ body: '', reactions: [], version: 4 });
      expect(await fx.store.getMessage(m.id)).toEqual(outcomes[5]!.message);
      expect(await fx.store.getMessage(other.id)).toEqual(other);
    });

    it('an empty batch is a no-op', async () => {
      expect(await fx.store.applyActions([])).toEqual([]);
    });
  });

  describe('message actions: groups', () => {
    it('members react; a former member may hide what they saw but not react; later messages are NOT_FOUND to them', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(b, id, 'hello all');
      expect((await ok(c, m, { kind: 'react', emoji: '👋' })).message.reactions).toEqual([{ userId: c.id, emoji: '👋' }]);
      await g.changed(c, id, { kind: 'remove', userId: c.id }); // c leaves
      const later = await g.gsend(a, id, 'after c left');
      expectRefused(await act(c, m, { kind: 'react', emoji: '👍' }), 'FORBIDDEN');
      const hidden = await ok(c, m, { kind: 'hide' });
      expect(hidden.message.hiddenAt).toBeTruthy();
      expectRefused(await act(c, later, { kind: 'hide' }), 'NOT_FOUND');
      expectRefused(await act(c, later, { kind: 'react', emoji: '👍' }), 'NOT_FOUND');
      // The sender's edit and delete need them to be a member too.
      await g.changed(a, id, { kind: 'remove', userId: b.id });
      expectRefused(await act(b, m, { kind: 'edit', body: 'x' }), 'FORBIDDEN');
      expectRefused(await act(b, m, { kind: 'delete' }), 'FORBIDDEN');
    });

    it('a message sent before a member joined is NOT_FOUND to them', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      const before = await g.gsend(a, id, 'before c');
      await g.changed(a, id, { kind: 'add', userIds: [c.id] });
      expectRefused(await act(c, before, { kind: 'react', emoji: '👍' }), 'NOT_FOUND');
      const mine = await g.gsend(a, id, 'after c joined');
      expect((await ok(c, mine, { kind: 'react', emoji: '👍' })).applied).toBe(true);
    });
  });

  describe.runIf(fx.canReopen)('message actions across close and reopen', () => {
    it('keeps the content, the recorded clientIds and the hides', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b);
      const reacted = await ok(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'kept-1' });
      const hidden = await ok(a, m, { kind: 'hide' });
      await fx.reopen();
      expect(await fx.store.getMessage(m.id)).toEqual(reacted.message);
      expect(await ok(b, m, { kind: 'react', emoji: '👍' }, { clientId: 'kept-1' })).toEqual({ message: reacted.message, applied: false, affected: [] });
      expect((await ok(a, m, { kind: 'hide' })).message.hiddenAt).toBe(hidden.message.hiddenAt);
    });
  });
}
