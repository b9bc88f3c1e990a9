/**
 * Issue #20's open question, measured: how long Chromium's IndexedDB takes to store a 20,000-message
 * catch-up (40 pages of 500, 50 chats, one read-write transaction per page with its cursor) in
 * different layouts, and to read a chat's newest 50 messages back from each. Synthetic rows shaped
 * like the engine's (key, ids, seq, body, status, reader, search words …), so it runs without a
 * server; docs/benchmarks.md (sessions 42 and 43) has the figures and what they mean for the design.
 *
 *   node --import tsx bench/tools/storage-layouts.ts [runs=2]
 *
 * Layouts: `rows` (one row per message, the engine's five indexes, as before schema v10), the same
 * without the words index and with the primary key alone; rows without the words index plus one
 * search record per chat per page (v10 writes one per page: local/page-words.ts); `blocks`: one
 * record per chat per page (key [conversationId, first seq], written once, no read), its messages'
 * keys and ids and its distinct words in multiEntry indexes; `chunks`: one record per chat per 100 seqs, read and written back as
 * pages append to it (the write amplification a fixed chunk size brings when pages interleave chats).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';

const runs = Number(process.argv[2] ?? 2);
const server = http.createServer((_q, r) => r.end('<!doctype html><title>storage layouts</title>')).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.evaluate('globalThis.__name ??= (f) => f'); // tsx's keepNames helper, absent in the page
  for (let run = 1; run <= runs; run++) {
    const results = (await page.evaluate(`(${measureLayouts.toString()})()`)) as Array<{ layout: string; writeMs: number; readMs: number; records: number }>;
    console.log(`run ${run}`);
    for (const r of results) console.log(`  ${String(r.writeMs).padStart(5)} ms store, ${r.readMs.toFixed(2).padStart(6)} ms newest 50 (median of 21), ${String(r.records).padStart(5)} records  ${r.layout}`);
  }
} finally {
  await browser.close();
  server.close();
}

/** Self-contained: evaluated in the page. */
async function measureLayouts() {
  const N = 20_000, PAGE = 500, CHATS = 50, CHUNK = 100, WINDOW = 50;
  type Row = Record<string, unknown> & { key: string; id: string; conversationId: string; seq: number; words: string[] };
  const me = 'u_me_0123456789abcdef';
  const vocabulary = ['lunch', 'noon', 'tomorrow', 'meeting', 'project', 'coffee', 'great', 'thanks', 'see', 'you', 'soon', 'where', 'when', 'call', 'later', 'ok', 'sure', 'plan', 'weekend', 'book'];
  const rows: Row[] = [];
  const seqs = new Array<number>(CHATS).fill(0);
  for (let i = 0; i < N; i++) {
    const c = i % CHATS;
    const peer = `u_peer_${String(c).padStart(4, '0')}_abcdef`;
    const words = Array.from({ length: 7 }, (_, j) => vocabulary[(i * 7 + j * 3) % vocabulary.length]!);
    const clientId = `c${i.toString(36).padStart(8, '0')}-${(i * 7919).toString(36)}`;
    rows.push({
      key: `${peer}:${clientId}`, id: `m${(1e9 + i).toString(36)}x${(i * 31).toString(36)}`, clientId, conversationId: `dm:${me}:${peer}`,
      senderId: peer, recipientId: me, body: `${words.join(' ')} #${i}`, seq: ++seqs[c]!, createdAt: new Date(1.7e12 + i * 1000).toISOString(),
      localCreatedAt: 1.7e12 + i * 1000, status: 'delivered', type: 'text', replyTo: null, reactions: [], editedAt: null, deletedAt: null,
      hiddenAt: null, attachments: [], version: 1, reader: me, words: [...new Set([...words, String(i)])], unacked: [],
    });
  }
  const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
  const done = (tx: IDBTransaction) => new Promise<void>((res, rej) => ((tx.oncomplete = () => res()), (tx.onerror = tx.onabort = () => rej(tx.error))));
  const open = (name: string, upgrade: (db: IDBDatabase) => void) =>
    new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => upgrade(r.result);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
  const chat = rows[7]!.conversationId;
  const byChat = (batch: Row[]) => {
    const groups = new Map<string, Row[]>();
    for (const m of batch) groups.set(m.conversationId, [...(groups.get(m.conversationId) ?? []), m]);
    return groups;
  };
  const distinctWords = (ms: Row[]) => [...new Set(ms.flatMap((m) => m.words))];

  interface Layout {
    name: string;
    store: string;
    schema(db: IDBDatabase): void;
    write(store: IDBObjectStore, batch: Row[], tx: IDBTransaction): Promise<void> | void;
    /** Other stores the write uses, created by `schema` too. */
    also?: string[];
    /** The chat's newest WINDOW messages. */
    newest(store: IDBObjectStore): Promise<number>;
  }
  const INDEXES: Array<[string, string | string[], boolean]> = [
    ['id', 'id', false], ['[conversationId+seq]', ['conversationId', 'seq'], false], ['[reader+status+conversationId]', ['reader', 'status', 'conversationId'], false],
    ['words', 'words', true], ['unacked', 'unacked', true],
  ];
  const rowLayout = (name: string, indexes: typeof INDEXES): Layout => ({
    name, store: 'messages',
    schema: (db) => {
      const s = db.createObjectStore('messages', { keyPath: 'key' });
      for (const [n, keyPath, multiEntry] of indexes) s.createIndex(n, keyPath, { multiEntry });
    },
    write: (s, batch) => batch.forEach((m) => s.put(m)),
    newest: async (s) => {
      const range = IDBKeyRange.bound([chat, 0], [chat, Infinity]);
      if (s.indexNames.contains('[conversationId+seq]')) {
        const found: unknown[] = [];
        await new Promise<void>((res) => {
          const cursor = s.index('[conversationId+seq]').openCursor(range, 'prev');
          cursor.onsuccess = () => (cursor.result && found.push(cursor.result.value) < WINDOW ? cursor.result.continue() : res());
        });
        return found.length;
      }
      return ((await req(s.getAll())) as Row[]).filter((m) => m.conversationId === chat).slice(-WINDOW).length; // no index: a scan
    },
  });
  const newestRecords = async (s: IDBObjectStore) => {
    let n = 0;
    await new Promise<void>((res) => {
      const cursor = s.openCursor(IDBKeyRange.bound([chat, 0], [chat, Infinity]), 'prev');
      cursor.onsuccess = () => {
        if (cursor.result) n += (cursor.result.value as { messages: Row[] }).messages.length;
        return cursor.result && n < WINDOW ? cursor.result.continue() : res();
      };
    });
    return Math.min(n, WINDOW);
  };
  const layouts: Layout[] = [
    rowLayout('rows: one per message, the engine\'s 5 indexes (before v10)', INDEXES),
    rowLayout('rows without the words index', INDEXES.filter(([n]) => n !== 'words')),
    rowLayout('rows, primary key only', []),
    (() => {
      const base = rowLayout('rows without the words index + one search record per chat per page (its rows\' keys and words, words multiEntry)', INDEXES.filter(([n]) => n !== 'words'));
      return {
        ...base,
        also: ['pageWords'],
        schema: (db: IDBDatabase) => {
          base.schema(db);
          db.createObjectStore('pageWords', { autoIncrement: true }).createIndex('words', 'words', { multiEntry: true });
        },
        write: (s: IDBObjectStore, batch: Row[], tx: IDBTransaction) => {
          batch.forEach((m) => s.put({ ...m, words: undefined }));
          for (const ms of byChat(batch).values()) tx.objectStore('pageWords').put({ entries: ms.map((m) => [m.key, m.words]), words: distinctWords(ms) });
        },
      };
    })(),
    {
      name: 'blocks: one record per chat per page, keys/ids/words multiEntry',
      store: 'blocks',
      schema: (db) => {
        const s = db.createObjectStore('blocks', { keyPath: ['conversationId', 'from'] });
        for (const n of ['keys', 'ids', 'words']) s.createIndex(n, n, { multiEntry: true });
      },
      write: (s, batch) => {
        for (const [conversationId, ms] of byChat(batch))
          s.put({ conversationId, from: ms[0]!.seq, messages: ms, keys: ms.map((m) => m.key), ids: ms.map((m) => m.id), words: distinctWords(ms) });
      },
      newest: newestRecords,
    },
    {
      name: `chunks: one record per chat per ${CHUNK} seqs, read and rewritten as pages append`,
      store: 'chunks',
      schema: (db) => {
        const s = db.createObjectStore('chunks', { keyPath: ['conversationId', 'from'] });
        for (const n of ['keys', 'ids', 'words']) s.createIndex(n, n, { multiEntry: true });
      },
      write: async (s, batch) => {
        const parts = new Map<string, Row[]>();
        for (const m of batch) {
          const k = `${m.conversationId}\u0000${Math.floor((m.seq - 1) / CHUNK)}`;
          parts.set(k, [...(parts.get(k) ?? []), m]);
        }
        await Promise.all(
          [...parts.values()].map(async (ms) => {
            const from = Math.floor((ms[0]!.seq - 1) / CHUNK) * CHUNK + 1;
            const old = (await req(s.get([ms[0]!.conversationId, from]))) as { messages: Row[] } | undefined;
            const messages = [...(old?.messages ?? []), ...ms];
            s.put({ conversationId: ms[0]!.conversationId, from, messages, keys: messages.map((m) => m.key), ids: messages.map((m) => m.id), words: distinctWords(messages) });
          }),
        );
      },
      newest: newestRecords,
    },
  ];

  const results: Array<{ layout: string; writeMs: number; readMs: number; records: number }> = [];
  for (const layout of layouts) {
    const name = `layout-${Date.now()}-${Math.random()}`;
    const db = await open(name, (d) => {
      layout.schema(d);
      d.createObjectStore('meta', { keyPath: 'key' });
    });
    const t0 = performance.now();
    for (let at = 0; at < N; at += PAGE) {
      const tx = db.transaction([layout.store, 'meta', ...(layout.also ?? [])], 'readwrite');
      await layout.write(tx.objectStore(layout.store), rows.slice(at, at + PAGE), tx);
      tx.objectStore('meta').put({ key: 'cursor', value: String(at + PAGE) });
      await done(tx);
    }
    const writeMs = Math.round(performance.now() - t0);
    const reads: number[] = [];
    for (let i = 0; i < 21; i++) {
      const tx = db.transaction(layout.store, 'readonly');
      const r0 = performance.now();
      if ((await layout.newest(tx.objectStore(layout.store))) !== WINDOW) throw new Error(`${layout.name}: the newest ${WINDOW} not found`);
      reads.push(performance.now() - r0);
    }
    const records = await req(db.transaction(layout.store).objectStore(layout.store).count());
    reads.sort((a, b) => a - b);
    results.push({ layout: layout.name, writeMs, readMs: reads[10]!, records });
    db.close();
    await req(indexedDB.deleteDatabase(name) as unknown as IDBRequest<unknown>);
  }
  return results;
}
