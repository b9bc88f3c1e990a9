/**
 * The message store against a plain model: whatever mix of pages (blocks), live rows, status
 * changes, edits, queued actions and deletes, every read through the store answers what a list of
 * all messages would, and each message is in exactly one place.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../../../tests/chaos/storage-probe.ts';
import { LocalDb, type StoredMessage } from './local-db.ts';
import { BLOCK_BATCH_FROM, BLOCK_MAX, messageStore, messageTables } from './message-store.ts';
import { holdWords } from './page-words.ts';
import { makeBlock, unpackBlock } from './message-blocks.ts';

const chats = ['dm:a:me', 'dm:b:me', 'g1'];
const row = (chat: string, seq: number, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  key: `${chat}:${seq}`,
  id: `m${String(seq).padStart(5, '0')}-${chat}`,
  clientId: `c${seq}`,
  conversationId: chat,
  senderId: 'peer',
  recipientId: 'me',
  body: `hello ${seq}`,
  seq,
  createdAt: new Date(seq * 1000).toISOString(),
  localCreatedAt: seq * 1000,
  status: 'delivered',
  reader: 'me',
  ...extra,
});

const open = () => new LocalDb(`store-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
const inTx = <T>(db: LocalDb, f: () => Promise<T>) => db.transaction('rw', messageTables(db), f);
const bySeq = (a: StoredMessage, b: StoredMessage) => a.seq! - b.seq!;

describe('message store', () => {
  it('keeps a page in blocks, a live message in a row, and reads them as one', async () => {
    const db = open();
    const page = chats.flatMap((c) => Array.from({ length: 20 }, (_, i) => row(c, i + 1)));
    await inTx(db, () => messageStore(db).addNew(holdWords(page).rows));
    await inTx(db, () => messageStore(db).addNew([row(chats[0]!, 21)]));
    expect([await db.messageBlocks.count(), await db.messages.count()]).toEqual([3, 1]);
    const store = () => messageStore(db);
    expect((await inTx(db, () => store().range(chats[0]!, { newest: true, limit: 3 }))).map((r) => r.seq)).toEqual([19, 20, 21]);
    expect((await inTx(db, () => store().range(chats[0]!, { lo: 5, hi: 9 }))).map((r) => r.seq)).toEqual([6, 7, 8]);
    expect((await inTx(db, () => store().byId(row(chats[1]!, 4).id!)))?.key).toBe(row(chats[1]!, 4).key);
    expect((await inTx(db, () => store().unreadIn('me', chats[2]!))).length).toBe(20);
    // A status change stays in the block; an edit and a queued action move the message out to a row.
    await inTx(db, async () => {
      const s = store();
      const [a, b, c] = await s.bulkGet([row(chats[1]!, 1).key, row(chats[1]!, 2).key, row(chats[1]!, 3).key]);
      await s.bulkPut([{ ...a!, status: 'read' }, { ...b!, body: 'edited' }, { ...c!, pendingActions: 1 }]);
    });
    expect(await db.messages.count()).toBe(3);
    expect((await inTx(db, () => store().unreadIn('me', chats[1]!))).length).toBe(19);
    expect(problemsOf(await db.messages.toArray(), (await db.messageBlocks.toArray()).map(unpackBlock))).toEqual([]);
    db.close();
  });

  it("cuts one chat's page into blocks of at most BLOCK_MAX, read as one run", async () => {
    const db = open();
    const n = 2 * BLOCK_MAX + 50;
    await inTx(db, () => messageStore(db).addNew(holdWords(Array.from({ length: n }, (_, i) => row(chats[0]!, n - i))).rows));
    expect((await db.messageBlocks.toArray()).map((b) => [b.firstSeq, b.lastSeq])).toEqual([[1, BLOCK_MAX], [BLOCK_MAX + 1, 2 * BLOCK_MAX], [2 * BLOCK_MAX + 1, n]]);
    expect((await inTx(db, () => messageStore(db).range(chats[0]!, { newest: true, limit: 60 }))).map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => n - 59 + i));
    expect((await inTx(db, () => messageStore(db).range(chats[0]!, {}))).length).toBe(n);
    db.close();
  });

  it('stores a page as rows where a block of the chat already covers its seqs', async () => {
    const db = open();
    const padding = (n: number) => Array.from({ length: BLOCK_BATCH_FROM }, (_, i) => row('dm:pad:me', n + i));
    await inTx(db, () => messageStore(db).addNew(holdWords([row(chats[0]!, 1), row(chats[0]!, 5), ...padding(1)]).rows));
    // Seq 3 and 4 inside 1–5: rows, not an overlapping block.
    await inTx(db, () => messageStore(db).addNew(holdWords([row(chats[0]!, 3), row(chats[0]!, 4), ...padding(100)]).rows));
    expect(await db.messageBlocks.count()).toBe(3); // chat 0's, and the padding chat's two
    expect(await db.messages.where('[conversationId+seq]').between([chats[0]!, 0], [chats[0]!, 9]).count()).toBe(2);
    expect((await inTx(db, () => messageStore(db).range(chats[0]!, {}))).map((r) => r.seq)).toEqual([1, 3, 4, 5]);
    db.close();
  });

  it('stores a block with its rows as one text, and still reads a block stored before that, packing it when next written', async () => {
    const db = open();
    const chat = chats[0]!;
    await inTx(db, () => messageStore(db).addNew(holdWords(Array.from({ length: 40 }, (_, i) => row(chat, i + 1))).rows));
    const [stored] = await db.messageBlocks.toArray();
    expect(typeof stored!.packedRows).toBe('string');
    expect(stored!.rows).toBeUndefined();
    // A block as schema v11 first stored it: the rows themselves in the record.
    const legacy = makeBlock(holdWords(Array.from({ length: 40 }, (_, i) => row(chats[1]!, i + 1))).rows);
    await db.messageBlocks.add(legacy);
    const store = () => messageStore(db);
    expect((await inTx(db, () => store().range(chats[1]!, { newest: true, limit: 2 }))).map((r) => r.seq)).toEqual([39, 40]);
    expect((await inTx(db, () => store().byId(row(chats[1]!, 7).id!)))).toEqual(legacy.rows[6]);
    await inTx(db, async () => {
      const s = store();
      const found = await s.get(row(chats[1]!, 2).key);
      await s.put({ ...found!, status: 'read' });
    });
    const rewritten = await db.messageBlocks.get([chats[1]!, 1]);
    expect(rewritten!.rows).toBeUndefined();
    expect(unpackBlock(rewritten!).rows.map((r) => r.status)).toEqual(legacy.rows.map((r, i) => (i === 1 ? 'read' : r.status)));
    expect(problemsOf(await db.messages.toArray(), (await db.messageBlocks.toArray()).map(unpackBlock))).toEqual([]);
    db.close();
  });

  it('answers every read as the model does, after any mix of writes', async () => {
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const db = open();
    const model = new Map<string, StoredMessage>();
    const next = new Map(chats.map((c) => [c, 1]));
    for (let step = 0; step < 60; step++) {
      const kind = rand(5);
      if (kind === 0) {
        // A page: a run of new seqs in each chat.
        const page = chats.flatMap((c) => {
          const from = next.get(c)!;
          const n = rand(30);
          next.set(c, from + n);
          return Array.from({ length: n }, (_, i) => row(c, from + i, { status: rand(3) ? 'delivered' : 'read' }));
        });
        const held = holdWords(page).rows;
        await inTx(db, () => messageStore(db).addNew(held));
        for (const r of held) model.set(r.key, r);
      } else if (kind === 1) {
        // A live message (a row), sometimes leaving a gap a later page fills.
        const c = chats[rand(3)]!;
        const seq = next.get(c)! + rand(2);
        next.set(c, seq + 1);
        const r = row(c, seq);
        if (model.has(r.key)) continue;
        await inTx(db, () => messageStore(db).addNew([r]));
        model.set(r.key, r);
      } else if (model.size > 0) {
        // Changes to a few stored messages: read, status, edit, action, or delete.
        const keys = [...model.keys()];
        const picked = [...new Set(Array.from({ length: 1 + rand(8) }, () => keys[rand(keys.length)]!))];
        await inTx(db, async () => {
          const s = messageStore(db);
          const rows = await s.bulkGet(picked);
          const puts: StoredMessage[] = [];
          const deletes: string[] = [];
          for (const r of rows) {
            const change = rand(4);
            if (change === 0) deletes.push(r!.key);
            else puts.push(change === 1 ? { ...r!, status: 'read' } : change === 2 ? { ...r!, body: `edited ${step}` } : { ...r!, pendingActions: 1 });
          }
          await s.bulkPut(puts);
          await s.bulkDelete(deletes);
          for (const p of puts) model.set(p.key, p);
          for (const d of deletes) model.delete(d);
        });
      }
      expect(problemsOf(await db.messages.toArray(), (await db.messageBlocks.toArray()).map(unpackBlock)), `step ${step}`).toEqual([]);
    }
    const strip = (r: StoredMessage | undefined) => r && { key: r.key, seq: r.seq, status: r.status, body: r.body };
    await inTx(db, async () => {
      const s = messageStore(db);
      for (const c of chats) {
        const all = [...model.values()].filter((r) => r.conversationId === c).sort(bySeq);
        expect((await s.range(c, {})).map(strip)).toEqual(all.map(strip));
        for (const limit of [1, 7, 50]) {
          expect((await s.range(c, { newest: true, limit })).map(strip), `${c} newest ${limit}`).toEqual(all.slice(-limit).map(strip));
          const mid = all[Math.floor(all.length / 2)]?.seq ?? 0;
          expect((await s.range(c, { lo: mid, limit })).map(strip), `${c} after ${mid}`).toEqual(all.filter((r) => r.seq! > mid).slice(0, limit).map(strip));
          const quarter = all[Math.floor(all.length / 4)]?.seq ?? 0;
          expect((await s.range(c, { lo: quarter, hi: mid, newest: true, limit })).map(strip), `${c} ${quarter}–${mid}`).toEqual(
            all.filter((r) => r.seq! > quarter && r.seq! < mid).slice(-limit).map(strip),
          );
          expect((await s.range(c, { hi: mid, newest: true, limit, keep: (r) => r.status === 'read' })).map(strip)).toEqual(
            all.filter((r) => r.seq! < mid && r.status === 'read').slice(-limit).map(strip),
          );
        }
        const unread = all.filter((r) => r.status === 'delivered').map((r) => r.key).sort();
        expect((await s.unreadIn('me', c)).map((r) => r.key).sort()).toEqual(unread);
      }
      const sample = [...model.keys()].filter((_, i) => i % 5 === 0);
      expect((await s.bulkGet([...sample, 'nobody:1'])).map(strip)).toEqual([...sample.map((k) => strip(model.get(k))), undefined]);
      expect((await s.byIds(sample.map((k) => model.get(k)!.id!))).map((r) => r.key).sort()).toEqual([...sample].sort());
    });
    expect(await db.messageBlocks.count()).toBeGreaterThan(3);
    db.close();
  });
});
