import type { Message } from '@pigeon/sync-protocol';
import { expect } from 'vitest';
import { storedMessage, type ChangePage, type FeedOptions, type SendRequest, type Store, type UserRecord } from '../../store.ts';

/**
 * `open()` must return a store over fresh, empty data every time. `reopen()`, when given,
 * returns a new instance over the data of the most recent `open()`; the suite closes the
 * previous instance before calling it, so a persistence test really crosses a close.
 */
export interface StoreHarness {
  open(): Promise<Store>;
  reopen?(): Promise<Store>;
}

export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Conversation order is by last activity time; two sends in the same millisecond
 * may legitimately tie, so tests that check order make sure the clock has moved.
 */
export async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((r) => setTimeout(r, 1));
}

/** The store under test and the helpers every topic of the contract uses. */
export interface ContractFixture {
  /** A fresh store for each test (`open` before it, `closeAll` after it). */
  readonly store: Store;
  /** Whether the harness can reopen a store over the same data. */
  readonly canReopen: boolean;
  open(): Promise<void>;
  /** Closes the store and replaces it with `harness.reopen()` over the same data. */
  reopen(): Promise<void>;
  closeAll(): Promise<void>;

  user(username?: string, displayName?: string): Promise<UserRecord>;
  req(from: UserRecord, to: UserRecord, body?: string, clientId?: string): SendRequest;
  send(from: UserRecord, to: UserRecord, body?: string, clientId?: string): Promise<Message>;
  sendMany(from: UserRecord, to: UserRecord, n: number, prefix?: string): Promise<Message[]>;
  /** All of a conversation, oldest → newest, through the public paging API. */
  wholeHistory(conversationId: string): Promise<Message[]>;
  /** Drains changesSince from `from` in pages of `limit`, checking every page's invariants. */
  drainChanges(userId: string, from?: number, limit?: number, options?: FeedOptions): Promise<{ pages: ChangePage[]; messages: Message[]; position: number }>;
}

export function createContractFixture(harness: StoreHarness): ContractFixture {
  let store: Store | undefined;
  const opened: Store[] = [];
  const closed = new WeakSet<Store>();
  const current = (): Store => {
    if (!store) throw new Error('no store open: the contract fixture opens one before each test');
    return store;
  };

  async function closeOnce(s: Store): Promise<void> {
    if (closed.has(s)) return;
    closed.add(s);
    await s.close();
  }

  let userCounter = 0;
  let clientCounter = 0;
  const cid = () => `client-${++clientCounter}-${Math.random().toString(36).slice(2, 10)}`;

  const req = (from: UserRecord, to: UserRecord, body = 'hello', clientId = cid()): SendRequest => ({
    senderId: from.id,
    recipientId: to.id,
    clientId,
    body,
  });

  return {
    get store() {
      return current();
    },
    canReopen: Boolean(harness.reopen),

    async open() {
      store = await harness.open();
      opened.push(store);
    },

    async reopen() {
      await closeOnce(current());
      store = await harness.reopen!();
      opened.push(store);
    },

    async closeAll() {
      for (const s of opened.splice(0)) await closeOnce(s);
    },

    async user(username, displayName) {
      const name = username ?? `user${++userCounter}_${Math.random().toString(36).slice(2, 8)}`;
      return current().createUser({ username: name, displayName: displayName ?? name, passwordHash: `hash-of-${name}` });
    },

    req,

    async send(from, to, body = 'hello', clientId = cid()) {
      const [outcome] = await current().sendMessages([req(from, to, body, clientId)]);
      return storedMessage(outcome!);
    },

    async sendMany(from, to, n, prefix = 'm') {
      const outcomes = await current().sendMessages(Array.from({ length: n }, (_, i) => req(from, to, `${prefix}${i + 1}`)));
      return outcomes.map(storedMessage);
    },

    async wholeHistory(conversationId) {
      return current().getHistory(conversationId, null, 100_000);
    },

    async drainChanges(userId, from = 0, limit = 1000, options) {
      const pages: ChangePage[] = [];
      let position = from;
      for (let guard = 0; guard < 10_000; guard++) {
        const page = await current().changesSince(userId, position, limit, options);
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
    },
  };
}
