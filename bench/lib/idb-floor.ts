/**
 * The IndexedDB floor of a browser catch-up (figure 3, issue #20): how long the page's own
 * IndexedDB takes to store the rows the engine stored, with nothing of the engine around it.
 *
 * After the catch-up, in the same page: the rows of the app's `pigeon` database (messages,
 * conversations and the page word records, as the engine left them) are read, a fresh database is
 * made with the same stores and indexes (read from the app's, so it follows the schema), and the
 * messages are written into it again as the engine stored them (since schema v11 a row, or a block
 * of a page's messages of one chat), oldest first, one read-write transaction per page's worth of
 * messages: its records, its conversations' rows, one word record (the engine's, in the order it
 * wrote them) and a cursor row, as `commitPage` writes at least. Timed from the first transaction
 * to the last commit.
 * Then the fresh database is deleted.
 *
 * The same measure runs in Node over the engine's fake-indexeddb factory (figure 3's fake-indexeddb
 * rows): one function, `storeAgain`, evaluated in the page or called in the bench process.
 *
 * Left out: the network, reading and merging with the rows already there, the receipts, and the
 * UI's queries in between. So engine / floor is the cost of everything the engine and the page do
 * beyond storing the rows; the floor itself is what no engine over this schema, storing the rows
 * in pages of this size, can go below (larger pages lower it a little: docs/benchmarks.md).
 */
import type { Page } from 'playwright-core';

export interface IdbFloor {
  ms: number;
  rows: number;
  pages: number;
  /** The messages indexes left out of the fresh database ('*' = all but the primary key). */
  without: string[];
}

/**
 * `without`: message indexes to leave out of the fresh database, by name, or `['*']` for all of
 * them (the primary key only): what each costs, with the same rows. In the page, the app's
 * database is `pigeon`.
 */
export async function measureIdbFloor(page: Page, pageSize: number, without: string[] = []): Promise<IdbFloor> {
  // tsx compiles the bench with esbuild's keepNames: a function named by its variable inside the
  // evaluated code calls a `__name` helper the page does not have.
  await page.evaluate('globalThis.__name ??= (f) => f');
  const floor = (await page.evaluate(`(${storeAgain.toString()})(indexedDB, 'pigeon', ${JSON.stringify(pageSize)}, ${JSON.stringify(without)})`)) as Omit<IdbFloor, 'without'>;
  return { ...floor, without };
}

/**
 * The floor, then what the indexes cost of it: the floor without the search words index, and with
 * the primary key alone. `measure` is one of the two below, bound to its page or factory.
 */
export async function measureFloorAndParts(measure: (without: string[]) => Promise<IdbFloor>): Promise<{ floor: IdbFloor; floorParts: IdbFloor[] }> {
  const floor = await measure([]);
  return { floor, floorParts: [await measure(['words']), await measure(['*'])] };
}

/** The same, in this process: `idb` is the factory the engine's database `dbName` lives in (fake-indexeddb). */
export async function measureIdbFloorIn(idb: IDBFactory, dbName: string, pageSize: number, without: string[] = []): Promise<IdbFloor> {
  return { ...(await storeAgain(idb, dbName, pageSize, without)), without };
}

/**
 * Self-contained (it is serialised into the page): only its parameters and the globals a page and
 * Node both have (performance, Map, Set).
 */
async function storeAgain(idb: IDBFactory, appName: string, size: number, left: string[]): Promise<Omit<IdbFloor, 'without'>> {
  const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
  const done = (tx: IDBTransaction) => new Promise<void>((res, rej) => ((tx.oncomplete = () => res()), (tx.onerror = tx.onabort = () => rej(tx.error))));
  const open = (name: string, upgrade?: (db: IDBDatabase) => void) =>
    new Promise<IDBDatabase>((res, rej) => {
      const r = upgrade ? idb.open(name, 1) : idb.open(name);
      if (upgrade) r.onupgradeneeded = () => upgrade(r.result);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
  const app = await open(appName);
  // The search words of page-stored rows (schema v10) are one record per page, written with it; a
  // page's messages of one chat are one block (v11).
  const optional = ['wordPages', 'messageBlocks'].filter((n) => app.objectStoreNames.contains(n));
  const stores = ['messages', 'conversations', 'meta', ...optional];
  const read = app.transaction(stores, 'readonly');
  const schema = stores.map((name) => {
    const s = read.objectStore(name);
    const indexes = [...s.indexNames].map((i) => s.index(i)).map((i) => ({ name: i.name, keyPath: i.keyPath, multiEntry: i.multiEntry, unique: i.unique }));
    return { name, keyPath: s.keyPath, autoIncrement: s.autoIncrement, indexes };
  });
  // A block lists its messages' server ids (`ids`), however it holds its rows.
  type Unit = { id?: string; conversationId: string; ids?: string[] };
  const rowsRead = (await req(read.objectStore('messages').getAll())) as Unit[];
  const blocks = stores.includes('messageBlocks') ? ((await req(read.objectStore('messageBlocks').getAll())) as Unit[]) : [];
  const conversations = new Map(((await req(read.objectStore('conversations').getAll())) as Array<{ id: string }>).map((c) => [c.id, c]));
  const wordPages = stores.includes('wordPages') ? ((await req(read.objectStore('wordPages').getAll())) as unknown[]) : [];
  app.close();
  // The records as the engine stored them (a row, or a block of a page's messages of one chat),
  // oldest first, as the feed brings them (server ids grow with time): a block by its oldest message.
  const oldest = (u: Unit) => (u.ids ? u.ids.reduce((m, id) => (id < m ? id : m), '\uffff') : (u.id ?? ''));
  const units = [...rowsRead.map((u) => ({ u, at: oldest(u), n: 1, block: false })), ...blocks.map((u) => ({ u, at: oldest(u), n: u.ids!.length, block: true }))];
  units.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const messageCount = units.reduce((n, x) => n + x.n, 0);

  const name = `${appName}-floor-${Date.now()}`;
  const db = await open(name, (d) => {
    for (const s of schema) {
      const store = d.createObjectStore(s.name, { keyPath: s.keyPath, autoIncrement: s.autoIncrement });
      for (const i of s.indexes) {
        if ((s.name === 'messages' || s.name === 'wordPages' || s.name === 'messageBlocks') && (left.includes('*') || left.includes(i.name))) continue;
        store.createIndex(i.name, i.keyPath, { multiEntry: i.multiEntry, unique: i.unique });
      }
    }
  });
  const t0 = performance.now();
  let pages = 0;
  // One transaction per `size` messages, however they are stored.
  for (let i = 0, stored = 0; i < units.length; ) {
    const batch: typeof units = [];
    for (let n = 0; i < units.length && n < size; i++) {
      batch.push(units[i]!);
      n += units[i]!.n;
    }
    const tx = db.transaction(stores, 'readwrite');
    const rows = tx.objectStore('messages');
    for (const x of batch) (x.block ? tx.objectStore('messageBlocks') : rows).put(x.u);
    const convs = tx.objectStore('conversations');
    for (const id of new Set(batch.map((x) => x.u.conversationId))) {
      const c = conversations.get(id);
      if (c) convs.put(c);
    }
    if (wordPages[pages] !== undefined) tx.objectStore('wordPages').put(wordPages[pages]);
    stored += batch.reduce((n, x) => n + x.n, 0);
    tx.objectStore('meta').put({ key: 'floor-cursor', value: `${stored}` });
    await done(tx);
    pages++;
  }
  const ms = performance.now() - t0;
  db.close();
  await req(idb.deleteDatabase(name) as unknown as IDBRequest<unknown>);
  return { ms, rows: messageCount, pages };
}
