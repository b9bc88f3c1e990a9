import { Dexie, type Table } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectScope, nextTick } from 'vue';
import { useLiveQuery } from './useLiveQuery.ts';
import { takeWarm, warmUp } from './warmLiveQuery.ts';

interface Row {
  id: number;
  text: string;
}

let db: Dexie & { rows: Table<Row, number> };
let reads = 0;

// liveQuery reads nothing without Dexie's global dependencies (node has no indexedDB).
Dexie.dependencies.indexedDB = new IDBFactory();
Dexie.dependencies.IDBKeyRange = IDBKeyRange;

beforeEach(async () => {
  db = new Dexie(`warm-${Math.random()}`) as typeof db;
  db.version(1).stores({ rows: 'id' });
  await db.rows.bulkAdd([
    { id: 1, text: 'a' },
    { id: 2, text: 'b' },
  ]);
  reads = 0;
});
afterEach(() => db.close());

const query = () => {
  reads++;
  return db.rows.toArray();
};
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('a warmed-up live query', () => {
  it('is adopted with its result already in: no empty first value, one read, and it stays live', async () => {
    warmUp('rows', query);
    await until(() => reads === 1);
    await new Promise((r) => setTimeout(r, 20));
    const scope = effectScope();
    const { data, loaded } = scope.run(() => useLiveQuery(query, { initial: [] as Row[], warm: 'rows' }))!;
    // At once, in the caller's setup: what the component's first render draws.
    expect(loaded.value).toBe(true);
    expect(data.value.map((r) => r.text)).toEqual(['a', 'b']);
    await new Promise((r) => setTimeout(r, 20));
    expect(reads).toBe(1); // the adopter started no read of its own
    await db.rows.add({ id: 3, text: 'c' });
    await until(() => data.value.length === 3);
    scope.stop();
    await db.rows.add({ id: 4, text: 'd' });
    await new Promise((r) => setTimeout(r, 30));
    expect(data.value.length).toBe(3); // unsubscribed with the scope
  });

  it('hands its first result over when it comes after the adoption', async () => {
    warmUp('rows', query);
    const scope = effectScope();
    const { data, loaded } = scope.run(() => useLiveQuery(query, { initial: [] as Row[], warm: 'rows' }))!;
    expect(loaded.value).toBe(false);
    await until(() => loaded.value);
    expect(data.value.map((r) => r.text)).toEqual(['a', 'b']);
    expect(reads).toBe(1);
    scope.stop();
  });

  it('is taken once; another key, or a later subscription (new deps), reads for itself', async () => {
    warmUp('rows', query);
    expect(takeWarm('other')).toBeNull();
    const taken = takeWarm<Row[]>('rows');
    expect(taken).not.toBeNull();
    expect(takeWarm('rows')).toBeNull();
    taken!.unsubscribe();

    const scope = effectScope();
    const { data } = scope.run(() => useLiveQuery(query, { initial: [] as Row[], warm: 'rows' }))!;
    await until(() => data.value.length === 2); // nothing warm: its own read
    scope.stop();
  });

  it('is dropped when nobody adopts it in time', async () => {
    warmUp('rows', query, 10);
    await new Promise((r) => setTimeout(r, 40));
    expect(takeWarm('rows')).toBeNull();
    await nextTick();
  });
});
