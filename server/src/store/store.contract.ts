/**
 * The behaviour every Store implementation must have, written once and run against
 * each implementation (sqlite/, mongo/) by its own test file:
 *
 *   describeStoreContract('sqlite', { open: () => createSqliteStore({ file: tmpFile() }), reopen: ... });
 *
 * `open()` must return a store over fresh, empty data every time. `reopen()`, when given,
 * returns a new instance over the data of the most recent `open()`; the suite closes the
 * previous instance before calling it, so a persistence test really crosses a close.
 *
 * Nothing here relies on implementation details (change positions are only compared,
 * never predicted), so the same suite holds for SQLite and MongoDB.
 */
import { directConversationId, isPigeonError, type Message } from '@pigeon/sync-protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SendRequest, Store, UserRecord } from './store.ts';

export interface StoreHarness {
  open(): Promise<Store>;
  reopen?(): Promise<Store>;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function describeStoreContract(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];
    const closed = new WeakSet<Store>();

    async function closeOnce(s: Store): Promise<void> {
      if (closed.has(s)) return;
      closed.add(s);
      await s.close();
    }

    beforeEach(async () => {
      store = await harness.open();
      opened.push(store);
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await closeOnce(s);
    });

    // ---------- helpers ----------

    let userCounter = 0;
    async function user(username?: string, displayName?: string): Promise<UserRecord> {
      const name = username ?? `user${++userCounter}_${Math.random().toString(36).slice(2, 8)}`;
      return store.createUser({ username: name, displayName: displayName ?? name, passwordHash: `hash-of-${name}` });
    }

    let clientCounter = 0;
    const cid = () => `client-${++clientCounter}-${Math.random().toString(36).slice(2, 10)}`;

    const req = (from: UserRecord, to: UserRecord, body = 'hello', clientId = cid()): SendRequest => ({
      senderId: from.id,
      recipientId: to.id,
      clientId,
      body,
    });

    async function send(from: UserRecord, to: UserRecord, body = 'hello', clientId = cid()): Promise<Message> {
      const [outcome] = await store.sendMessages([req(from, to, body, clientId)]);
      return outcome!.message;
    }

    async function sendMany(from: UserRecord, to: UserRecord, n: number, prefix = 'm'): Promise<Message[]> {
      const outcomes = await store.sendMessages(
        Array.from({ length: n }, (_, i) => req(from, to, `${prefix}${i + 1}`)),
      );
      return outcomes.map((o) => o.message);
    }

    /** All of a conversation, oldest → newest, through the public paging API. */
    async function wholeHistory(conversationId: string): Promise<Message[]> {
      return store.getHistory(conversationId, null, 100_000);
    }

    /** Drains changesSince from `from` in pages of `limit`, checking every page's invariants. */
    async function drainChanges(userId: string, from = 0, limit = 1000) {
      const pages: { messages: Message[]; position: number; hasMore: boolean }[] = [];
      let position = from;
      for (let guard = 0; guard < 10_000; guard++) {
        const page = await store.changesSince(userId, position, limit);
        expect(page.position).toBeGreaterThanOrEqual(position);
        expect(page.messages.length).toBeLessThanOrEqual(limit);
        pages.push(page);
        if (page.messages.length > 0) expect(page.position).toBeGreaterThan(position);
        position = page.position;
        if (!page.hasMore) break;
        // hasMore promises a non-empty next page.
        expect(page.messages.length).toBeGreaterThan(0);
      }
      return { pages, messages: pages.flatMap((p) => p.messages), position };
    }

    /**
     * Conversation order is by last activity time; two sends in the same millisecond
     * may legitimately tie, so tests that check order make sure the clock has moved.
     */
    async function nextMillisecond(): Promise<void> {
      const start = Date.now();
      while (Date.now() === start) await new Promise((r) => setTimeout(r, 1));
    }

    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

    // ---------- users ----------

    describe('users', () => {
      it('createUser stores a lower-cased username and returns the full record', async () => {
        const u = await store.createUser({ username: 'Alice', displayName: 'Alice Liddell', passwordHash: 'h1' });
        expect(u).toMatchObject({ username: 'alice', displayName: 'Alice Liddell', passwordHash: 'h1', lastSeen: null });
        expect(typeof u.id).toBe('string');
        expect(u.id.length).toBeGreaterThan(0);
        expect(u.createdAt).toMatch(ISO_RE);
      });

      it('gives every user a distinct id', async () => {
        const users = await Promise.all(['aa1', 'aa2', 'aa3', 'aa4'].map((n) => user(n)));
        expect(new Set(users.map((u) => u.id)).size).toBe(4);
      });

      it('findUserByUsername is case-insensitive and returns null for an unknown name', async () => {
        const u = await user('bob');
        expect(await store.findUserByUsername('bob')).toEqual(u);
        expect(await store.findUserByUsername('BoB')).toEqual(u);
        expect(await store.findUserByUsername('bobby')).toBeNull();
      });

      it('rejects a taken username with USERNAME_TAKEN, whatever the case', async () => {
        await user('carol');
        for (const again of ['carol', 'CAROL', 'Carol']) {
          const err = await store
            .createUser({ username: again, displayName: 'x', passwordHash: 'h' })
            .then(() => null, (e: unknown) => e);
          expect(isPigeonError(err), `createUser(${again}) should fail with a PigeonError`).toBe(true);
          expect(err).toMatchObject({ code: 'USERNAME_TAKEN' });
        }
        const found = await store.searchUsers('carol', 10);
        expect(found).toHaveLength(1);
      });

      it('lets exactly one of many concurrent registrations of a name win', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            store.createUser({ username: i % 2 ? 'Dave' : 'dave', displayName: `d${i}`, passwordHash: 'h' }),
          ),
        );
        const ok = results.filter((r) => r.status === 'fulfilled');
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(ok).toHaveLength(1);
        for (const f of failed) expect(f.reason).toMatchObject({ code: 'USERNAME_TAKEN' });
      });

      it('getUsers returns the known users among the ids and skips unknown ones', async () => {
        const a = await user('gu_a');
        const b = await user('gu_b');
        await user('gu_c');
        const got = await store.getUsers([b.id, 'no-such-user', a.id]);
        expect([...got].sort(byId)).toEqual([a, b].sort(byId));
        expect(await store.getUsers([])).toEqual([]);
      });

      it('setLastSeen is visible on later reads', async () => {
        const u = await user('seen');
        const at = '2030-01-02T03:04:05.678Z';
        await store.setLastSeen(u.id, at);
        expect((await store.findUserByUsername('seen'))?.lastSeen).toBe(at);
        expect((await store.getUsers([u.id]))[0]?.lastSeen).toBe(at);
      });

      describe('searchUsers', () => {
        beforeEach(async () => {
          await store.createUser({ username: 'zoe', displayName: 'Zoe Zed', passwordHash: 'h' });
          await store.createUser({ username: 'annie', displayName: 'Annie Hall', passwordHash: 'h' });
          await store.createUser({ username: 'andy', displayName: 'Zebra Man', passwordHash: 'h' });
          await store.createUser({ username: 'bert', displayName: 'Anders Bert', passwordHash: 'h' });
          await store.createUser({ username: 'carl', displayName: 'Carl Andrews', passwordHash: 'h' });
          await store.createUser({ username: 'a_b', displayName: 'Underscore', passwordHash: 'h' });
          await store.createUser({ username: 'axb', displayName: 'Cross', passwordHash: 'h' });
          await store.createUser({ username: 'a.c', displayName: 'Dot', passwordHash: 'h' });
        });

        const names = (users: UserRecord[]) => users.map((u) => u.username);

        it('matches a prefix of the username or of the display name, ordered by username', async () => {
          // 'bert' matches through its display name "Anders Bert"; "Carl Andrews" does not (not a prefix).
          expect(names(await store.searchUsers('an', 20))).toEqual(['andy', 'annie', 'bert']);
          // 'andy' through "Zebra Man", 'zoe' through its username.
          expect(names(await store.searchUsers('z', 20))).toEqual(['andy', 'zoe']);
        });

        it('is case-insensitive on both fields', async () => {
          expect(names(await store.searchUsers('AN', 20))).toEqual(['andy', 'annie', 'bert']);
          expect(names(await store.searchUsers('zOE z', 20))).toEqual(['zoe']);
        });

        it('never matches in the middle of a name', async () => {
          expect(names(await store.searchUsers('ndy', 20))).toEqual([]);
          expect(names(await store.searchUsers('hall', 20))).toEqual([]);
        });

        it('treats wildcard-like characters literally', async () => {
          // '_' and '.' are legal in usernames and are wildcards in LIKE and regular expressions.
          expect(names(await store.searchUsers('a_', 20))).toEqual(['a_b']);
          expect(names(await store.searchUsers('a.', 20))).toEqual(['a.c']);
          expect(names(await store.searchUsers('%', 20))).toEqual([]);
          expect(names(await store.searchUsers('.*', 20))).toEqual([]);
        });

        it('respects the limit, keeping the first usernames in order', async () => {
          expect(names(await store.searchUsers('a', 2))).toEqual(['a.c', 'a_b']);
        });
      });
    });

    // ---------- sending ----------

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
        const outcomes = await store.sendMessages(batch);
        expect(outcomes.map((o) => o.message.body)).toEqual(['b1', 'c1', 'b2', 'c2', 'b3']);
        expect(outcomes.map((o) => o.message.clientId)).toEqual(batch.map((r) => r.clientId));
        expect(outcomes.map((o) => o.message.seq)).toEqual([1, 1, 2, 2, 3]);
        expect(outcomes.every((o) => o.created)).toBe(true);
      });

      it('an empty batch is a no-op', async () => {
        expect(await store.sendMessages([])).toEqual([]);
      });

      it('a repeated (sender, clientId) returns the stored message, created: false, and uses no seq', async () => {
        const a = await user();
        const b = await user();
        const first = await store.sendMessages([req(a, b, 'original', 'dup-client-1')]);
        expect(first[0]!.created).toBe(true);
        const again = await store.sendMessages([req(a, b, 'original', 'dup-client-1')]);
        expect(again[0]).toEqual({ message: first[0]!.message, created: false });
        // The stored message wins even if a retry carries a different body.
        const changed = await store.sendMessages([req(a, b, 'edited on retry', 'dup-client-1')]);
        expect(changed[0]).toEqual({ message: first[0]!.message, created: false });

        const next = await send(a, b);
        expect(next.seq).toBe(2);
        expect((await wholeHistory(next.conversationId)).map((m) => m.seq)).toEqual([1, 2]);
      });

      it('a repeat returns the stored message with its current status', async () => {
        const a = await user();
        const b = await user();
        const m = await send(a, b, 'x', 'status-dup-1');
        await store.markDelivered(b.id, [m.id], new Date().toISOString());
        const [again] = await store.sendMessages([req(a, b, 'x', 'status-dup-1')]);
        expect(again).toEqual({ message: { ...m, status: 'delivered' }, created: false });
      });

      it('duplicates inside one batch resolve to one message', async () => {
        const a = await user();
        const b = await user();
        const batch = [req(a, b, 'x', 'in-batch-1'), req(a, b, 'y'), req(a, b, 'x', 'in-batch-1'), req(a, b, 'x', 'in-batch-1')];
        const outcomes = await store.sendMessages(batch);
        expect(outcomes.map((o) => o.created)).toEqual([true, true, false, false]);
        expect(outcomes[2]!.message).toEqual(outcomes[0]!.message);
        expect(outcomes[3]!.message).toEqual(outcomes[0]!.message);
        expect(outcomes.map((o) => o.message.seq)).toEqual([1, 2, 1, 1]);
        expect(await wholeHistory(outcomes[0]!.message.conversationId)).toHaveLength(2);
      });

      it('50 concurrent sends of one clientId store exactly one message', async () => {
        const a = await user();
        const b = await user();
        const clientId = 'concurrent-dup-0001';
        const singles = Array.from({ length: 50 }, () => store.sendMessages([req(a, b, 'same', clientId)]));
        const inOneBatch = store.sendMessages(Array.from({ length: 10 }, () => req(a, b, 'same', clientId)));
        const mixedBatch = store.sendMessages([req(a, b, 'other'), req(a, b, 'same', clientId), req(a, b, 'other2')]);
        const results = await Promise.all([...singles, inOneBatch, mixedBatch]);
        const outcomes = results.flatMap((r) => r).filter((o) => o.message.clientId === clientId);
        expect(outcomes).toHaveLength(50 + 10 + 1);
        expect(outcomes.filter((o) => o.created)).toHaveLength(1);
        const ids = new Set(outcomes.map((o) => o.message.id));
        const seqs = new Set(outcomes.map((o) => o.message.seq));
        expect(ids.size).toBe(1);
        expect(seqs.size).toBe(1);

        const history = await wholeHistory(directConversationId(a.id, b.id));
        expect(history.filter((m) => m.clientId === clientId)).toHaveLength(1);
        expect(history.map((m) => m.seq)).toEqual([1, 2, 3]);
      });

      it('the same clientId from two different senders is two messages', async () => {
        const a = await user();
        const b = await user();
        const [fromA] = await store.sendMessages([req(a, b, 'from a', 'shared-client-1')]);
        const [fromB] = await store.sendMessages([req(b, a, 'from b', 'shared-client-1')]);
        expect(fromA!.created).toBe(true);
        expect(fromB!.created).toBe(true);
        expect(fromA!.message.id).not.toBe(fromB!.message.id);
        expect(await wholeHistory(fromA!.message.conversationId)).toHaveLength(2);
      });

      it('keeps seq gap-free and unique under many concurrent batches from both members', async () => {
        const a = await user();
        const b = await user();
        const batches = Array.from({ length: 20 }, (_, i) =>
          store.sendMessages(
            Array.from({ length: 5 }, (_, j) => (i % 2 ? req(a, b, `a${i}.${j}`) : req(b, a, `b${i}.${j}`))),
          ),
        );
        const results = await Promise.all(batches);
        for (const outcomes of results) {
          const seqs = outcomes.map((o) => o.message.seq);
          expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        }
        const allSeqs = results.flatMap((r) => r.map((o) => o.message.seq)).sort((x, y) => x - y);
        expect(allSeqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        const history = await wholeHistory(directConversationId(a.id, b.id));
        expect(history.map((m) => m.seq)).toEqual(allSeqs);
      });
    });

    // ---------- receipts ----------

    describe('markDelivered', () => {
      it('moves sent → delivered for the recipient and returns the changed messages', async () => {
        const a = await user();
        const b = await user();
        const [m1, m2, m3] = await sendMany(a, b, 3);
        const at = new Date().toISOString();
        const changed = await store.markDelivered(b.id, [m1!.id, m3!.id], at);
        expect([...changed].sort(byId)).toEqual([{ ...m1!, status: 'delivered' }, { ...m3!, status: 'delivered' }].sort(byId));
        const history = await wholeHistory(m1!.conversationId);
        expect(history.map((m) => m.status)).toEqual(['delivered', 'sent', 'delivered']);
        expect(history[1]).toEqual(m2);
      });

      it('is idempotent: a second receipt changes nothing', async () => {
        const a = await user();
        const b = await user();
        const m = await send(a, b);
        expect(await store.markDelivered(b.id, [m.id], new Date().toISOString())).toHaveLength(1);
        expect(await store.markDelivered(b.id, [m.id], new Date().toISOString())).toEqual([]);
        expect(await store.markDelivered(b.id, [m.id, m.id], new Date().toISOString())).toEqual([]);
      });

      it('counts an id repeated inside one call once', async () => {
        const a = await user();
        const b = await user();
        const m = await send(a, b);
        const changed = await store.markDelivered(b.id, [m.id, m.id, m.id], new Date().toISOString());
        expect(changed).toEqual([{ ...m, status: 'delivered' }]);
      });

      it('only the recipient can mark a message delivered', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const m = await send(a, b);
        expect(await store.markDelivered(a.id, [m.id], new Date().toISOString())).toEqual([]);
        expect(await store.markDelivered(c.id, [m.id], new Date().toISOString())).toEqual([]);
        expect((await wholeHistory(m.conversationId))[0]!.status).toBe('sent');
      });

      it('ignores unknown ids', async () => {
        const a = await user();
        const b = await user();
        const m = await send(a, b);
        const changed = await store.markDelivered(b.id, ['no-such-message', m.id], new Date().toISOString());
        expect(changed.map((x) => x.id)).toEqual([m.id]);
        expect(await store.markDelivered(b.id, [], new Date().toISOString())).toEqual([]);
      });

      it('never moves a read message back to delivered', async () => {
        const a = await user();
        const b = await user();
        const m = await send(a, b);
        await store.markRead(b.id, m.conversationId, m.seq, new Date().toISOString());
        expect(await store.markDelivered(b.id, [m.id], new Date().toISOString())).toEqual([]);
        expect((await wholeHistory(m.conversationId))[0]!.status).toBe('read');
      });

      it('concurrent delivered and read receipts end at read', async () => {
        const a = await user();
        const b = await user();
        const msgs = await sendMany(a, b, 10);
        const at = new Date().toISOString();
        const conv = msgs[0]!.conversationId;
        await Promise.all([
          store.markDelivered(b.id, msgs.map((m) => m.id), at),
          store.markRead(b.id, conv, 10, at),
          store.markDelivered(b.id, msgs.map((m) => m.id), at),
        ]);
        expect((await wholeHistory(conv)).map((m) => m.status)).toEqual(Array(10).fill('read'));
      });
    });

    describe('markRead', () => {
      it('marks the reader’s incoming messages up to seq as read, and only those', async () => {
        const a = await user();
        const b = await user();
        const outcomes = await store.sendMessages([
          req(a, b, '1'), // seq 1 → read
          req(b, a, '2'), // seq 2, b's own → untouched
          req(a, b, '3'), // seq 3 → read
          req(a, b, '4'), // seq 4 > upToSeq → untouched
        ]);
        const [m1, m2, m3, m4] = outcomes.map((o) => o.message);
        await store.markDelivered(b.id, [m3!.id], new Date().toISOString());

        const changed = await store.markRead(b.id, m1!.conversationId, 3, new Date().toISOString());
        expect([...changed].sort(byId)).toEqual([{ ...m1!, status: 'read' }, { ...m3!, status: 'read' }].sort(byId));
        const history = await wholeHistory(m1!.conversationId);
        expect(history.map((m) => m.status)).toEqual(['read', 'sent', 'read', 'sent']);
        expect(history[1]).toEqual(m2);
        expect(history[3]).toEqual(m4);
      });

      it('is idempotent and can extend further later', async () => {
        const a = await user();
        const b = await user();
        const msgs = await sendMany(a, b, 4);
        const conv = msgs[0]!.conversationId;
        expect(await store.markRead(b.id, conv, 2, new Date().toISOString())).toHaveLength(2);
        expect(await store.markRead(b.id, conv, 2, new Date().toISOString())).toEqual([]);
        expect(await store.markRead(b.id, conv, 1, new Date().toISOString())).toEqual([]);
        const more = await store.markRead(b.id, conv, 100, new Date().toISOString());
        expect(more.map((m) => m.seq).sort()).toEqual([3, 4]);
      });

      it('a read past the newest message does not cover messages sent after it', async () => {
        const a = await user();
        const b = await user();
        const [first] = await sendMany(a, b, 1);
        const conv = first!.conversationId;
        expect(await store.markRead(b.id, conv, 50, new Date().toISOString())).toHaveLength(1);
        const later = await send(a, b, 'after the read');
        expect(later.seq).toBe(2);
        expect((await wholeHistory(conv)).map((m) => m.status)).toEqual(['read', 'sent']);
        expect((await store.listConversations(b.id))[0]!.unreadCount).toBe(1);
        expect((await store.markRead(b.id, conv, 2, new Date().toISOString())).map((m) => m.seq)).toEqual([2]);
        expect((await store.listConversations(b.id))[0]!.unreadCount).toBe(0);
      });

      it('does nothing for the sender or for a user outside the conversation', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const msgs = await sendMany(a, b, 3);
        const conv = msgs[0]!.conversationId;
        expect(await store.markRead(a.id, conv, 3, new Date().toISOString())).toEqual([]);
        expect(await store.markRead(c.id, conv, 3, new Date().toISOString())).toEqual([]);
        expect(await store.markRead(b.id, 'dm:nobody:nothing', 3, new Date().toISOString())).toEqual([]);
        expect((await wholeHistory(conv)).map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
      });

      it('leaves the reader’s other conversations alone', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const ab = await send(a, b);
        const cb = await send(c, b);
        await store.markRead(b.id, ab.conversationId, 10, new Date().toISOString());
        expect((await wholeHistory(cb.conversationId))[0]!.status).toBe('sent');
      });
    });

    // ---------- sync ----------

    describe('changesSince', () => {
      it('returns the user’s messages in change order with the last position', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const m1 = await send(a, b, '1');
        const m2 = await send(c, a, '2');
        const m3 = await send(b, a, '3');
        const page = await store.changesSince(a.id, 0, 100);
        expect(page.messages).toEqual([m1, m2, m3]);
        expect(page.hasMore).toBe(false);
        expect(page.position).toBeGreaterThan(0);

        const empty = await store.changesSince(a.id, page.position, 100);
        expect(empty).toEqual({ messages: [], position: page.position, hasMore: false });
      });

      it('with nothing new, returns the position it was given', async () => {
        const a = await user();
        expect(await store.changesSince(a.id, 0, 10)).toEqual({ messages: [], position: 0, hasMore: false });
        expect(await store.changesSince(a.id, 123_456, 10)).toEqual({ messages: [], position: 123_456, hasMore: false });
      });

      it('pages with an exact hasMore until the end, yielding exactly the set', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const sent = [
          ...(await sendMany(a, b, 7, 'ab')),
          ...(await sendMany(c, a, 5, 'ca')),
          ...(await sendMany(b, a, 3, 'ba')),
        ];
        // 15 messages in pages of 5: the third page is full and must still say hasMore: false.
        const { pages, messages } = await drainChanges(a.id, 0, 5);
        expect(pages.map((p) => p.messages.length)).toEqual([5, 5, 5]);
        expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
        expect(messages).toEqual(sent);

        const odd = await drainChanges(a.id, 0, 4);
        expect(odd.pages.map((p) => p.messages.length)).toEqual([4, 4, 4, 3]);
        expect(odd.messages).toEqual(sent);
      });

      it('a status change re-appears at a later position, for both members', async () => {
        const a = await user();
        const b = await user();
        const [m1, m2] = await sendMany(a, b, 2);
        const posA = (await store.changesSince(a.id, 0, 100)).position;
        const posB = (await store.changesSince(b.id, 0, 100)).position;

        await store.markDelivered(b.id, [m1!.id], new Date().toISOString());
        for (const [u, pos] of [[a, posA], [b, posB]] as const) {
          const page = await store.changesSince(u.id, pos, 100);
          expect(page.messages).toEqual([{ ...m1!, status: 'delivered' }]);
          expect(page.position).toBeGreaterThan(pos);
        }

        const afterDelivery = (await store.changesSince(a.id, posA, 100)).position;
        await store.markRead(b.id, m1!.conversationId, 2, new Date().toISOString());
        const page = await store.changesSince(a.id, afterDelivery, 100);
        expect([...page.messages].sort((x, y) => x.seq - y.seq)).toEqual([
          { ...m1!, status: 'read' },
          { ...m2!, status: 'read' },
        ]);
      });

      it('a message changed several times appears once, at its latest state', async () => {
        const a = await user();
        const b = await user();
        const [m1, m2] = await sendMany(a, b, 2);
        await store.markDelivered(b.id, [m1!.id], new Date().toISOString());
        await store.markRead(b.id, m1!.conversationId, 1, new Date().toISOString());
        const { messages } = await drainChanges(b.id, 0, 1);
        // m1 changed last, so it now comes after m2.
        expect(messages).toEqual([m2, { ...m1!, status: 'read' }]);
      });

      it('positions only grow, across users and conversations', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        await send(a, b);
        const pa1 = (await store.changesSince(a.id, 0, 100)).position;
        await send(c, b); // not a's conversation, but it still takes a position
        await send(b, a);
        const page = await store.changesSince(a.id, pa1, 100);
        expect(page.messages).toHaveLength(1);
        expect(page.position).toBeGreaterThan(pa1);
        const pc = (await store.changesSince(c.id, 0, 100)).position;
        expect(page.position).toBeGreaterThan(pc);
      });

      it('never returns other users’ conversations', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const d = await user();
        await sendMany(b, c, 5);
        const cd = await sendMany(c, d, 3);
        await store.markDelivered(d.id, cd.map((m) => m.id), new Date().toISOString());
        const mine = await send(b, a, 'for a');
        const { messages } = await drainChanges(a.id, 0, 2);
        expect(messages).toEqual([mine]);
        for (const m of (await drainChanges(b.id)).messages) {
          expect([m.senderId, m.recipientId]).toContain(b.id);
        }
      });
    });

    // ---------- reads ----------

    describe('getHistory', () => {
      it('pages backwards from the newest, each page oldest → newest', async () => {
        const a = await user();
        const b = await user();
        const all = await sendMany(a, b, 12);
        const conv = all[0]!.conversationId;

        const newest = await store.getHistory(conv, null, 5);
        expect(newest.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
        const older = await store.getHistory(conv, newest[0]!.seq, 5);
        expect(older.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
        const oldest = await store.getHistory(conv, older[0]!.seq, 5);
        expect(oldest.map((m) => m.seq)).toEqual([1, 2]);
        expect(await store.getHistory(conv, 1, 5)).toEqual([]);
        expect([...oldest, ...older, ...newest]).toEqual(all);
      });

      it('is empty for an unknown conversation', async () => {
        expect(await store.getHistory('dm:x:y', null, 10)).toEqual([]);
      });
    });

    describe('listConversations', () => {
      it('lists the user’s conversations newest first with the peer and last message', async () => {
        const a = await user();
        const b = await user();
        const c = await user();
        const d = await user();
        await send(a, b, 'ab 1');
        await nextMillisecond();
        const lastAC = await send(c, a, 'ca 1');
        await nextMillisecond();
        const lastAB = await send(b, a, 'ba 2');
        await send(c, d, 'not a’s');

        const list = await store.listConversations(a.id);
        expect(list.map((x) => x.peerId)).toEqual([b.id, c.id]);
        expect(list[0]).toMatchObject({ id: directConversationId(a.id, b.id), lastMessage: lastAB });
        expect(list[1]).toMatchObject({ id: directConversationId(a.id, c.id), lastMessage: lastAC });
        for (const conv of list) expect(conv.updatedAt).toMatch(ISO_RE);

        await nextMillisecond();
        const newer = await send(a, c, 'ac 2');
        const reordered = await store.listConversations(a.id);
        expect(reordered.map((x) => x.peerId)).toEqual([c.id, b.id]);
        expect(reordered[0]!.lastMessage).toEqual(newer);
      });

      it('counts unread messages to this user only, and the count falls as they are read', async () => {
        const a = await user();
        const b = await user();
        await sendMany(b, a, 4, 'to a');
        await sendMany(a, b, 2, 'to b');
        const conv = directConversationId(a.id, b.id);

        const unread = async (u: UserRecord) => (await store.listConversations(u.id))[0]!.unreadCount;
        expect(await unread(a)).toBe(4);
        expect(await unread(b)).toBe(2);

        const history = await wholeHistory(conv);
        const toA = history.filter((m) => m.recipientId === a.id);
        await store.markDelivered(a.id, toA.map((m) => m.id), new Date().toISOString());
        expect(await unread(a)).toBe(4); // delivered is still unread

        await store.markRead(a.id, conv, toA[1]!.seq, new Date().toISOString());
        expect(await unread(a)).toBe(2);
        await store.markRead(a.id, conv, 100, new Date().toISOString());
        expect(await unread(a)).toBe(0);
        expect(await unread(b)).toBe(2);
      });

      it('reflects the current status of the last message', async () => {
        const a = await user();
        const b = await user();
        const m = await send(a, b);
        await store.markRead(b.id, m.conversationId, m.seq, new Date().toISOString());
        expect((await store.listConversations(a.id))[0]!.lastMessage).toEqual({ ...m, status: 'read' });
      });

      it('is empty for a user with no messages', async () => {
        const a = await user();
        expect(await store.listConversations(a.id)).toEqual([]);
      });
    });

    // ---------- persistence ----------

    describe.runIf(Boolean(harness.reopen))('persistence across close and reopen', () => {
      it('keeps users, messages, statuses, seqs, dedupe and change positions', async () => {
        const a = await user('persist_a', 'Persist A');
        const b = await user('persist_b');
        await store.setLastSeen(a.id, '2031-05-06T07:08:09.000Z');
        const sent = await store.sendMessages([req(a, b, 'p1', 'persist-client-1'), req(b, a, 'p2'), req(a, b, 'p3')]);
        const [m1] = sent.map((o) => o.message);
        await store.markDelivered(b.id, [m1!.id], new Date().toISOString());
        const historyBefore = await wholeHistory(m1!.conversationId);
        const changesBefore = await store.changesSince(a.id, 0, 100);
        const convsBefore = await store.listConversations(b.id);

        await closeOnce(store);
        store = await harness.reopen!();
        opened.push(store);

        expect(await store.findUserByUsername('PERSIST_A')).toEqual({ ...a, lastSeen: '2031-05-06T07:08:09.000Z' });
        expect(await wholeHistory(m1!.conversationId)).toEqual(historyBefore);
        expect(await store.changesSince(a.id, 0, 100)).toEqual(changesBefore);
        expect(await store.listConversations(b.id)).toEqual(convsBefore);
        await expect(store.createUser({ username: 'Persist_B', displayName: 'x', passwordHash: 'h' })).rejects.toMatchObject({
          code: 'USERNAME_TAKEN',
        });

        const [dup] = await store.sendMessages([req(a, b, 'p1', 'persist-client-1')]);
        expect(dup).toEqual({ message: historyBefore[0], created: false });
        const next = await send(b, a, 'p4');
        expect(next.seq).toBe(4);
        const after = await store.changesSince(a.id, changesBefore.position, 100);
        expect(after.messages).toEqual([next]);
        expect(after.position).toBeGreaterThan(changesBefore.position);
      });
    });
  });
}
