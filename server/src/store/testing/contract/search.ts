import { queryTerms, type Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../../store.ts';
import type { ActionFixture } from './action-fixture.ts';
import { nextMillisecond, type ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Message search (notification-records.ts searchMessages; the word rule of @pigeon/sync-protocol
 * search-text.ts): only what the user may read (1:1 conversations they are in, groups within their
 * membership periods), never deleted-for-everyone, hidden-by-them or system messages, newest first.
 */
export function describeSearchContract(fx: ContractFixture, g: GroupFixture, a: ActionFixture): void {
  const { user } = fx;
  const search = (u: UserRecord, q: string, options: { conversationId?: string; limit?: number } = {}) =>
    fx.store.searchMessages(u.id, queryTerms(q), { limit: 50, ...options });
  const bodies = (messages: readonly Message[]) => messages.map((m) => m.body);

  /** Sends one at a time, each in a later millisecond than the one before: a strict newest-first order. */
  async function sendInOrder(from: UserRecord, to: UserRecord, texts: readonly string[]): Promise<Message[]> {
    const out: Message[] = [];
    for (const text of texts) {
      await nextMillisecond();
      out.push(await fx.send(from, to, text));
    }
    return out;
  }

  describe('message search', () => {
    it('finds a message by the beginning of any of its words, never the middle', async () => {
      const [u, v] = [await user(), await user()];
      await fx.send(u, v, 'A photo of the cathedral, 2024');
      await fx.send(v, u, 'nothing to see');
      expect(bodies(await search(u, 'cath'))).toEqual(['A photo of the cathedral, 2024']);
      expect(bodies(await search(v, 'PHO'))).toEqual(['A photo of the cathedral, 2024']);
      expect(bodies(await search(u, '202'))).toEqual(['A photo of the cathedral, 2024']);
      expect(await search(u, 'hedral')).toEqual([]);
      expect(await search(u, 'oto')).toEqual([]);
    });

    it('ignores case and accents on both sides', async () => {
      const [u, v] = [await user(), await user()];
      await fx.send(u, v, 'Crème brûlée à l’École');
      await fx.send(u, v, 'my resume is attached');
      expect(bodies(await search(v, 'creme ECOLE'))).toEqual(['Crème brûlée à l’École']);
      expect(bodies(await search(v, 'BRÛL'))).toEqual(['Crème brûlée à l’École']);
      expect(bodies(await search(v, 'Résumé'))).toEqual(['my resume is attached']);
    });

    it('requires every term, in any order', async () => {
      const [u, v] = [await user(), await user()];
      await sendInOrder(u, v, ['red apple', 'green apple', 'red car']);
      expect(bodies(await search(u, 'apple red'))).toEqual(['red apple']);
      expect(bodies(await search(u, 'app'))).toEqual(['green apple', 'red apple']);
      expect(await search(u, 'red apple blue')).toEqual([]);
      expect(await fx.store.searchMessages(u.id, [], { limit: 50 })).toEqual([]);
    });

    it('answers newest first, at most limit, as whole messages like getHistory', async () => {
      const [u, v] = [await user(), await user()];
      const sent = await sendInOrder(u, v, ['match 1', 'other', 'match 2', 'match 3', 'match 4']);
      await nextMillisecond();
      const [reply] = await fx.store.sendMessages([{ ...fx.req(v, u, 'match 5 answers'), replyTo: sent[0]!.id }]);
      await a.ok(u, sent[2]!, { kind: 'react', emoji: '👍' });
      const history = await fx.store.getHistory(sent[0]!.conversationId, null, 100, u.id);
      const found = await search(u, 'match', { limit: 3 });
      expect(bodies(found)).toEqual(['match 5 answers', 'match 4', 'match 3']);
      expect(found[0]!.replyTo).toMatchObject({ id: sent[0]!.id });
      expect(found[0]!.id).toBe(reply!.message!.id);
      for (const m of found) expect(m).toEqual(history.find((h) => h.id === m.id));
      const all = await search(u, 'match');
      expect(bodies(all)).toEqual(['match 5 answers', 'match 4', 'match 3', 'match 2', 'match 1']);
      expect(all[3]!.reactions).toEqual([{ userId: u.id, emoji: '👍' }]);
    });

    it('orders a batch sent in one commit by createdAt then id, both descending', async () => {
      const [u, v] = [await user(), await user()];
      await fx.sendMany(u, v, 6, 'batch word ');
      const found = await search(v, 'batch');
      expect(found).toHaveLength(6);
      const sorted = [...found].sort((x, y) => (x.createdAt !== y.createdAt ? (x.createdAt < y.createdAt ? 1 : -1) : x.id < y.id ? 1 : -1));
      expect(found.map((m) => m.id)).toEqual(sorted.map((m) => m.id));
    });

    it('keeps to the conversation asked for, and never to one the user is not in', async () => {
      const [u, v, w, x] = [await user(), await user(), await user(), await user()];
      const withV = await fx.send(u, v, 'tulip with v');
      const withW = await fx.send(w, u, 'tulip with w');
      const theirs = await fx.send(w, x, 'tulip between others');
      expect((await search(u, 'tulip')).map((m) => m.id).sort()).toEqual([withV.id, withW.id].sort());
      expect((await search(u, 'tulip', { conversationId: withV.conversationId })).map((m) => m.id)).toEqual([withV.id]);
      expect(await search(u, 'tulip', { conversationId: theirs.conversationId })).toEqual([]);
      expect(await search(u, 'tulip', { conversationId: 'dm:no-such-conversation' })).toEqual([]);
      expect((await search(x, 'tulip')).map((m) => m.id)).toEqual([theirs.id]);
      expect(await search(await user(), 'tulip')).toEqual([]);
    });

    it('in a group, finds only messages within the user’s membership periods', async () => {
      const [owner, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(owner, [b, c]);
      await nextMillisecond();
      await g.gsend(owner, id, 'alpha one'); // 2
      await g.changed(owner, id, { kind: 'remove', userId: c.id }); // 3
      await nextMillisecond();
      await g.gsend(b, id, 'alpha two'); // 4: c is away
      await g.changed(owner, id, { kind: 'add', userIds: [c.id, d.id] }); // 5: c back, d new
      await nextMillisecond();
      await g.gsend(owner, id, 'alpha three'); // 6
      expect(bodies(await search(b, 'alpha'))).toEqual(['alpha three', 'alpha two', 'alpha one']);
      expect(bodies(await search(c, 'alpha'))).toEqual(['alpha three', 'alpha one']);
      expect(bodies(await search(d, 'alpha'))).toEqual(['alpha three']);
      expect(bodies(await search(c, 'alpha', { conversationId: id }))).toEqual(['alpha three', 'alpha one']);
      expect(await search(await user(), 'alpha', { conversationId: id })).toEqual([]);

      await g.changed(owner, id, { kind: 'remove', userId: d.id }); // 7
      await g.gsend(owner, id, 'alpha four'); // 8: d gone
      expect(bodies(await search(d, 'alpha'))).toEqual(['alpha three']);
      const history = await g.historyOf(id, c);
      for (const m of await search(c, 'alpha')) expect(m).toEqual(history.find((h) => h.id === m.id));
    });

    it('never finds system messages', async () => {
      const [owner, b] = [await user(), await user()];
      const { id } = await g.group(owner, [b], 'Zephyr club');
      await g.changed(owner, id, { kind: 'rename', title: 'Zephyr friends' });
      expect(await search(owner, 'zephyr')).toEqual([]);
      await g.gsend(b, id, 'zephyr tonight?');
      const found = await search(owner, 'zephyr');
      expect(bodies(found)).toEqual(['zephyr tonight?']);
      expect(found.every((m) => m.type === 'text')).toBe(true);
    });

    it('never finds a message deleted for everyone, for anyone', async () => {
      const [u, v] = [await user(), await user()];
      const secret = await fx.send(u, v, 'secret plan');
      await fx.send(u, v, 'public plan');
      await a.ok(u, secret, { kind: 'delete' });
      expect(bodies(await search(u, 'plan'))).toEqual(['public plan']);
      expect(await search(v, 'secret')).toEqual([]);

      const { id } = await g.group(u, [v]);
      const gone = await g.gsend(v, id, 'ephemeral group words');
      await a.ok(v, gone, { kind: 'delete' });
      expect(await search(u, 'ephemeral')).toEqual([]);
    });

    it('leaves out what the user hid (delete for me), not for the others', async () => {
      const [u, v] = [await user(), await user()];
      const m = await fx.send(u, v, 'hidden treasure');
      await a.ok(v, m, { kind: 'hide' });
      expect(await search(v, 'treasure')).toEqual([]);
      expect((await search(u, 'treasure')).map((x) => x.id)).toEqual([m.id]);
    });

    it('finds an edited message by its new words, not its old ones', async () => {
      const [u, v] = [await user(), await user()];
      const m = await fx.send(u, v, 'original wording');
      await a.ok(u, m, { kind: 'edit', body: 'revised phrasing' });
      expect(await search(v, 'original')).toEqual([]);
      const found = await search(v, 'revis phras');
      expect(found.map((x) => [x.id, x.body])).toEqual([[m.id, 'revised phrasing']]);
      expect(found[0]!.editedAt).not.toBeNull();

      const { id } = await g.group(u, [v]);
      const gm = await g.gsend(u, id, 'groupold text');
      await a.ok(u, gm, { kind: 'edit', body: 'groupnew text' });
      expect(await search(v, 'groupold')).toEqual([]);
      expect((await search(v, 'groupnew')).map((x) => x.id)).toEqual([gm.id]);
    });

    it('finds messages of a batch mixing 1:1 and group sends', async () => {
      const [u, v, w] = [await user(), await user(), await user()];
      const { id } = await g.group(u, [w]);
      await fx.store.sendMessages([fx.req(u, v, 'kiwi direct'), g.greq(u, id, 'kiwi group'), fx.req(v, u, 'mango')]);
      expect(bodies(await search(u, 'kiwi')).sort()).toEqual(['kiwi direct', 'kiwi group']);
      expect(bodies(await search(v, 'kiwi'))).toEqual(['kiwi direct']);
      expect(bodies(await search(w, 'kiwi'))).toEqual(['kiwi group']);
    });
  });
}
