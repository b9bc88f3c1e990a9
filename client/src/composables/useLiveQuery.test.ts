import { Dexie, type Table } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import { useLiveQuery } from './useLiveQuery.ts';
import { warmUp } from './warmLiveQuery.ts';

interface Row {
  id: number;
}

let db: Dexie & { rows: Table<Row, number> };
let reads = 0;

// liveQuery reads nothing without Dexie's global dependencies (node has no indexedDB).
Dexie.dependencies.indexedDB = new IDBFactory();
Dexie.dependencies.IDBKeyRange = IDBKeyRange;

beforeEach(async () => {
  db = new Dexie(`live-${Math.random()}`) as typeof db;
  db.version(1).stores({ rows: 'id' });
  await db.rows.add({ id: 0 });
  reads = 0;
});
// A test that fails midway must not leave its query reading into the next one's counter.
const scopes: ReturnType<typeof effectScope>[] = [];
afterEach(() => {
  for (const scope of scopes.splice(0)) scope.stop();
  db.close();
});

const query = () => {
  reads++;
  return db.rows.count();
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await sleep(5);
  expect(check()).toBe(true);
};
/** Twelve writes 15 ms apart. */
async function writes(): Promise<void> {
  for (let i = 1; i <= 12; i++) {
    await db.rows.add({ id: i });
    await sleep(15);
  }
}

describe('useLiveQuery pauseMs', () => {
  it('without a pause, follows every write', async () => {
    const scope = effectScope();
    scopes.push(scope);
    const { data } = scope.run(() => useLiveQuery(query, { initial: -1 }))!;
    await until(() => data.value === 1);
    const before = reads;
    for (let i = 1; i <= 5; i++) {
      await db.rows.add({ id: i });
      await until(() => data.value === i + 1);
    }
    expect(reads - before).toBeGreaterThanOrEqual(5);
  });

  it('with one, runs the query at most once per pause, and ends on the last write', async () => {
    let pause = 100;
    const scope = effectScope();
    scopes.push(scope);
    const { data, loaded } = scope.run(() => useLiveQuery(query, { initial: -1, pauseMs: () => pause }))!;
    await until(() => data.value === 1);
    const seen = new Set<number>();
    const watcher = setInterval(() => seen.add(data.value), 5);
    const start = Date.now();
    const readsBefore = reads;
    await writes(); // ≈ 200 ms of writes: about three reads
    await until(() => data.value === 13); // the one after the pause reads what was written meanwhile
    clearInterval(watcher);
    // One read per pause at most (and the one a result may start), where live it was one per write.
    expect(reads - readsBefore).toBeLessThanOrEqual(Math.ceil((Date.now() - start) / 100) + 1);
    // It followed the writes while they went on, not only once they ended.
    expect([...seen].some((n) => n > 1 && n < 13)).toBe(true);
    expect(loaded.value).toBe(true); // never "not loaded" between two runs
    // The pause over (the catch-up ended): live again from the next read, then every write.
    pause = 0;
    await db.rows.add({ id: 20 });
    await until(() => data.value === 14);
    await db.rows.add({ id: 21 });
    await until(() => data.value === 15);
    await db.rows.add({ id: 22 });
    await until(() => data.value === 16);
  });

  it('pauses an adopted warm subscription too', async () => {
    await warmUp('count', query); // its first result is in
    const scope = effectScope();
    scopes.push(scope);
    const { data } = scope.run(() => useLiveQuery(query, { initial: -1, warm: 'count', pauseMs: () => 100 }))!;
    expect(data.value).toBe(1);
    const start = Date.now();
    const readsBefore = reads;
    await writes();
    await until(() => data.value === 13);
    expect(reads - readsBefore).toBeLessThanOrEqual(Math.ceil((Date.now() - start) / 100) + 1);
  });

  // A live query whose read is slower than the writes delivers nothing while they go on (Dexie drops a
  // result when a write touched what it read meanwhile): what the pause is for (a big catch-up).
  it('switched into a pause while writes go on, follows them by reads; switched out, is live again', async () => {
    const slow = async () => {
      reads++;
      const n = await db.rows.count();
      await sleep(30);
      return n;
    };
    const pause = ref(0);
    const scope = effectScope();
    scopes.push(scope);
    const { data } = scope.run(() => useLiveQuery(slow, { initial: -1, pauseMs: () => pause.value }))!;
    await until(() => data.value === 1);
    const seen = new Set<number>();
    const watcher = setInterval(() => seen.add(data.value), 5);
    const writing = writes();
    await sleep(40);
    pause.value = 60; // no result needed to switch
    await writing;
    clearInterval(watcher);
    expect([...seen].some((n) => n > 1 && n < 13)).toBe(true);
    pause.value = 0;
    await until(() => data.value === 13);
    await db.rows.add({ id: 30 });
    await until(() => data.value === 14);
    scope.stop();
  });

  it('stopped during a pause, reads nothing more', async () => {
    const scope = effectScope();
    scopes.push(scope);
    const { data } = scope.run(() => useLiveQuery(query, { initial: -1, pauseMs: () => 50 }))!;
    await until(() => data.value === 1);
    scope.stop();
    const before = reads;
    await db.rows.add({ id: 1 });
    await sleep(120);
    expect(reads).toBe(before);
    expect(data.value).toBe(1);
  });
});

describe('useLiveQuery reuse', () => {
  it('shows what `reuse` keeps: the same array for an equal result, still counted in `results`', async () => {
    const scope = effectScope();
    scopes.push(scope);
    const rows = () => db.rows.orderBy('id').toArray();
    const sameIds = (shown: Row[], next: Row[]) => (shown.length === next.length && shown.every((r, i) => r.id === next[i]!.id) ? shown : next);
    const { data, results } = scope.run(() => useLiveQuery(rows, { initial: [] as Row[], reuse: sameIds }))!;
    await until(() => data.value.length === 1);
    const first = data.value;
    const counted = results.value;
    await db.rows.put({ id: 0 }); // a write the query re-runs for, giving an equal result
    await until(() => results.value > counted);
    expect(data.value).toBe(first);
    await db.rows.add({ id: 1 });
    await until(() => data.value.length === 2);
    expect(data.value).not.toBe(first);
  });
});
