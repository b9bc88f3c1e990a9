/**
 * Dexie's liveQuery as patched (patches/dexie+4.4.7.patch, docs/client.md): between two runs of a
 * query, a mutation that does not overlap what the query read is dropped instead of kept until the
 * next run. What a query shows must not change: it re-runs for every overlapping mutation, one
 * committed while it runs included (Dexie #2270), and for no other. And its first run starts when
 * it is subscribed, not in a timer after the subscribing task.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Dexie, liveQuery, type Table } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';

interface Db extends Dexie {
  users: Table<{ id: string; name: string }, string>;
  messages: Table<{ key: string; body: string }, string>;
}

// liveQuery reads nothing without Dexie's global dependencies (node has no indexedDB).
Dexie.dependencies.indexedDB = new IDBFactory();
Dexie.dependencies.IDBKeyRange = IDBKeyRange;

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

async function database(): Promise<Db> {
  const db = new Dexie(`live-${Math.random()}`) as Db;
  db.version(1).stores({ users: 'id', messages: 'key' });
  await db.users.bulkPut([
    { id: 'a', name: 'Ada' },
    { id: 'b', name: 'Bob' },
  ]);
  open.push(db);
  return db;
}

/** Lets Dexie's notifications and the query's re-run settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/**
 * Writes `n` messages in transactions of 10, none of which any users query reads. Small, as live
 * messages and receipts are: Dexie tells the keys of a write of fewer than 50 rows, and the whole
 * table for a larger one.
 */
async function unrelatedWrites(db: Db, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    await db.messages.bulkPut(Array.from({ length: 10 }, (_, j) => ({ key: `${tag}-${i + j}-${Math.random()}`, body: 'x'.repeat(20) })));
  }
}

/** A subscribed liveQuery of user `id`'s name, with its runs counted and its values recorded. */
function watchName(db: Db, id: string, gate?: () => Promise<void>) {
  const state = { runs: 0, values: [] as (string | undefined)[] };
  const sub = liveQuery(async () => {
    state.runs++;
    const user = await db.users.get(id);
    await gate?.();
    return user?.name;
  }).subscribe({ next: (v) => state.values.push(v) });
  return { state, stop: () => sub.unsubscribe() };
}

describe("Dexie's liveQuery between runs (patched)", () => {
  it('re-runs for a mutation of what it read, after thousands that are not, and for no other', async () => {
    const db = await database();
    const w = watchName(db, 'a');
    await settle();
    expect(w.state).toEqual({ runs: 1, values: ['Ada'] });
    await unrelatedWrites(db, 1_000, 'm');
    await db.users.put({ id: 'b', name: 'Bea' }); // the same table, another key
    await settle();
    expect(w.state.runs).toBe(1);
    await db.users.put({ id: 'a', name: 'Ada L.' });
    await settle();
    expect(w.state).toEqual({ runs: 2, values: ['Ada', 'Ada L.'] });
    w.stop();
  });

  it('a mutation committed while a run is in flight makes it run again (Dexie #2270)', async () => {
    const db = await database();
    let release!: () => void;
    let gated = true;
    const gate = () => (gated ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve());
    const w = watchName(db, 'a', gate);
    await settle();
    // The first run has read 'Ada' and waits: the write lands during it.
    await db.users.put({ id: 'a', name: 'Ada (new)' });
    gated = false;
    release();
    await settle();
    expect(w.state.values.at(-1)).toBe('Ada (new)');
    expect(w.state.runs).toBe(2);
    w.stop();
  });

  it('keeps nothing of the mutations it ignores: memory does not grow with them', async () => {
    // Without the patch, each query that is not re-run kept every key written since its last run,
    // until it re-ran or was unsubscribed: ≈ 0.8 MB a query for these 5,000 messages. The same
    // writes are made without queries first: what the database itself grows by.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const db = await database();
    await unrelatedWrites(db, 500, 'warm');
    let mark = heap();
    await unrelatedWrites(db, 5_000, 'alone');
    const withoutQueries = heap() - mark;
    const queries = ['a', 'b', 'a', 'b', 'a'].map((id) => watchName(db, id));
    await settle();
    mark = heap();
    await unrelatedWrites(db, 5_000, 'watched');
    await settle();
    const withQueries = heap() - mark;
    expect(queries.map((q) => q.state.runs)).toEqual([1, 1, 1, 1, 1]);
    expect(withQueries - withoutQueries).toBeLessThan(1024 * 1024);
    for (const q of queries) q.stop();
  });
});

describe("Dexie's liveQuery first run (patched)", () => {
  it('starts in the subscribing task, before any timer, and still watches what it read', async () => {
    const db = await database();
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0); // queued before the subscription
    const w = watchName(db, 'a');
    // Unpatched, the first run waited for a setTimeout(0) queued after the one above.
    expect(w.state.runs).toBe(1);
    expect(timerFired).toBe(false);
    await settle();
    expect(w.state.values).toEqual(['Ada']);
    await db.users.put({ id: 'a', name: 'Ada L.' });
    await settle();
    expect(w.state).toEqual({ runs: 2, values: ['Ada', 'Ada L.'] });
    w.stop();
  });

  it('a querier that throws at once reaches the error callback, not the subscriber', async () => {
    const errors: unknown[] = [];
    const sub = liveQuery<string>(() => {
      throw new Error('broken query');
    }).subscribe({ next: () => {}, error: (e) => errors.push(e) });
    await settle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['broken query']);
    sub.unsubscribe();
  });

  it('subscribed inside a transaction, it ends showing what the transaction committed', async () => {
    const db = await database();
    let w: ReturnType<typeof watchName> | undefined;
    await db.transaction('rw', db.users, async () => {
      await db.users.put({ id: 'a', name: 'Ada (in tx)' });
      w = watchName(db, 'a');
    });
    await settle();
    expect(w!.state.values.at(-1)).toBe('Ada (in tx)');
    w!.stop();
  });
});
