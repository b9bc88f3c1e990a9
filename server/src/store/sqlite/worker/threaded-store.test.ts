import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PigeonError, directConversationId } from '@pigeon/sync-protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { storedMessage, type Store } from '../../store.ts';
import { describeStoreContract } from '../../testing/contract/describe-store-contract.ts';
import { messagesInMainFile } from '../testing/inspect-main-file.ts';
import { SCHEMA_VERSION } from '../schema.ts';
import { createThreadedSqliteStore, type ThreadedSqliteStoreOptions } from './threaded-store.ts';
import { fromWireError, toWireError } from './rpc.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-sqlite-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
const freshFile = () => join(dir, `store-${++fileCounter}.sqlite`);

let lastFile = '';
describeStoreContract('sqlite on a worker thread', {
  open: () => createThreadedSqliteStore({ file: (lastFile = freshFile()) }),
  reopen: () => createThreadedSqliteStore({ file: lastFile }),
});

/** Stores opened by a test, closed after it. */
const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => {});
});
const start = async (file = freshFile(), options: Omit<ThreadedSqliteStoreOptions, 'file'> = {}) => {
  const store = await createThreadedSqliteStore({ file, ...options });
  open.push(store);
  return store;
};

describe('SQLite store on a worker thread', () => {

  it('keeps typed errors typed across the thread boundary', async () => {
    const store = await start();
    await store.createUser({ username: 'ann', displayName: 'Ann', passwordHash: 'h' });
    const err = await store.createUser({ username: 'ANN', displayName: 'Ann 2', passwordHash: 'h' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PigeonError);
    expect((err as PigeonError).code).toBe('USERNAME_TAKEN');
  });

  it('a failed call rolls back alone and leaves the thread serving', async () => {
    const store = await start();
    const [a, b] = [
      await store.createUser({ username: 'a', displayName: 'A', passwordHash: 'h' }),
      await store.createUser({ username: 'b', displayName: 'B', passwordHash: 'h' }),
    ];
    const err = await store
      .sendMessages([
        { senderId: a.id, recipientId: b.id, clientId: 'c1', body: 'x' },
        { senderId: a.id, recipientId: 'nobody', clientId: 'c2', body: 'x' },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PigeonError);
    expect((err as PigeonError).code).toBe('NOT_FOUND');
    const [ok] = await store.sendMessages([{ senderId: a.id, recipientId: b.id, clientId: 'c3', body: 'y' }]);
    expect(storedMessage(ok!).seq).toBe(1);
  });

  it('answers calls in the order they were made', async () => {
    const store = await start();
    const [a, b] = [
      await store.createUser({ username: 'a', displayName: 'A', passwordHash: 'h' }),
      await store.createUser({ username: 'b', displayName: 'B', passwordHash: 'h' }),
    ];
    const conversation = directConversationId(a.id, b.id);
    // Not awaited one by one: each history read must see exactly the sends issued before it.
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      pending.push(store.sendMessages([{ senderId: a.id, recipientId: b.id, clientId: `c${i}`, body: `m${i}` }]));
      pending.push(store.getHistory(conversation, null, 100));
    }
    const results = await Promise.all(pending);
    results.forEach((r, i) => {
      if (i % 2 === 1) expect((r as unknown[]).length).toBe((i + 1) / 2);
    });
  });

  it('refuses a file from a newer schema with the worker’s error', async () => {
    const file = freshFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(createThreadedSqliteStore({ file })).rejects.toThrow(/newer/);
  });

  it('a thread that dies fails the waiting and every later call with UNAVAILABLE, and says so', async () => {
    let thread!: Worker;
    const store = await start(freshFile(), { onWorker: (w) => (thread = w) });
    expect(store.unavailableReason()).toBeNull();
    const a = await store.createUser({ username: 'a', displayName: 'A', passwordHash: 'h' });
    const b = await store.createUser({ username: 'b', displayName: 'B', passwordHash: 'h' });
    // A commit of 5,000 messages keeps the thread busy for tens of ms, so it is still waiting
    // when terminate() lands (a quick call could be answered first: that raced once in CI).
    const big = Array.from({ length: 5000 }, (_, i) => ({ senderId: a.id, recipientId: b.id, clientId: `big-${i}`, body: 'x' }));
    const waiting = store.sendMessages(big).catch((e: unknown) => e);
    await thread.terminate();
    for (const err of [await waiting, await store.getUsers(['x']).catch((e: unknown) => e)]) {
      expect(err).toBeInstanceOf(PigeonError);
      expect((err as PigeonError).code).toBe('UNAVAILABLE');
    }
    expect(store.unavailableReason()).toMatch(/SQLite worker exited/);
  });

  it('fails calls made after close with UNAVAILABLE instead of hanging', async () => {
    const store = await start();
    await store.close();
    const err = await store.getUsers(['x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PigeonError);
    expect((err as PigeonError).code).toBe('UNAVAILABLE');
  });

  it('commits what was called before close, then closes once', async () => {
    const file = freshFile();
    const store = await start(file);
    const user = store.createUser({ username: 'late', displayName: 'Late', passwordHash: 'h' });
    const [closed, again] = [store.close(), store.close()];
    await Promise.all([user, closed, again]);
    const reopened = await start(file);
    expect((await reopened.findUserByUsername('late'))?.displayName).toBe('Late');
  });
});

describe('background checkpoints of the threaded store', () => {
  const mainFileCount = (file: string) => messagesInMainFile(file, join(dir, 'main-only.sqlite'));

  async function storeWithMessages(options: Omit<ThreadedSqliteStoreOptions, 'file'>) {
    const file = freshFile();
    const store = await start(file, options);
    const a = await store.createUser({ username: 'ann', displayName: 'Ann', passwordHash: 'h' });
    const b = await store.createUser({ username: 'bob', displayName: 'Bob', passwordHash: 'h' });
    const send = (tag: string, n: number) =>
      store.sendMessages(Array.from({ length: n }, (_, i) => ({ senderId: a.id, recipientId: b.id, clientId: `${tag}-${i}`, body: 'x' })));
    await send('first', 200);
    return { file, store, send };
  }

  async function waitForMainFile(file: string, expected: number, ms: number): Promise<number> {
    // A copy taken while a checkpoint writes the file can be torn: that poll just does not count.
    const poll = () => {
      try {
        return mainFileCount(file);
      } catch {
        return -1;
      }
    };
    const deadline = Date.now() + ms;
    let count = poll();
    while (count !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      count = poll();
    }
    return count;
  }

  it('copies committed messages into the main file by itself, without waiting for 10,000 WAL pages', async () => {
    const { file } = await storeWithMessages({ checkpointIntervalMs: 20 });
    expect(await waitForMainFile(file, 200, 5000)).toBe(200);
  });

  it('without it (interval 0) the main file lags, as the writer alone checkpoints only every 10,000 pages', async () => {
    const { file } = await storeWithMessages({ checkpointIntervalMs: 0 });
    expect(await waitForMainFile(file, 200, 300)).toBe(0);
  });

  it('a checkpointer that dies leaves the store serving and closing normally', async () => {
    let checkpointThread!: Worker;
    const { file, store, send } = await storeWithMessages({ checkpointIntervalMs: 20, onCheckpointWorker: (w) => (checkpointThread = w) });
    await checkpointThread.terminate();
    const [last] = await send('after', 1);
    expect(storedMessage(last!).seq).toBe(201);
    expect(store.unavailableReason()).toBeNull();
    await store.close();
    expect(mainFileCount(file)).toBe(201);
  });

  it('close stops the checkpointer cleanly: no connection is left open, the WAL is removed', async () => {
    const { file, store } = await storeWithMessages({ checkpointIntervalMs: 20 });
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(mainFileCount(file)).toBe(200);
  });
});

describe('worker error encoding', () => {
  it('round-trips a PigeonError with its code and details', () => {
    const back = fromWireError(toWireError(new PigeonError('RATE_LIMITED', 'slow down', { retryAfterMs: 10 })));
    expect(back).toBeInstanceOf(PigeonError);
    expect(back).toMatchObject({ code: 'RATE_LIMITED', message: 'slow down', details: { retryAfterMs: 10 } });
  });

  it('keeps a string code of a plain error, and survives details that cannot be cloned', () => {
    const sqlite = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(fromWireError(toWireError(sqlite))).toMatchObject({ message: 'UNIQUE constraint failed', code: 'SQLITE_CONSTRAINT_UNIQUE' });
    const wire = toWireError(new PigeonError('INTERNAL', 'x', { fn: () => 1 }));
    expect(() => structuredClone(wire)).not.toThrow();
  });
});
