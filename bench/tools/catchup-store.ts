/**
 * The catch-up's storing path alone, in process (no server, no network): `pages` sync pages of
 * `pageSize` server copies, spread over `conversations` 1:1 chats in change order as /api/sync
 * gives them, committed one by one the way down/catch-up.ts does, over fake-indexeddb. For
 * profiles (`node --cpu-prof --import tsx bench/tools/catchup-store.ts`) and operation counts
 * of one change at a time; figure 3 stays the measure of record.
 *
 *   node --import tsx bench/tools/catchup-store.ts [messages=20000] [conversations=50] [pageSize=500]
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { directConversationId, type Message } from '@pigeon/sync-protocol';
import { LocalDb, META } from '../../sync-protocol/src/engine/local/local-db.ts';
import { commitPage } from '../../sync-protocol/src/engine/down/catch-up.ts';
import { storedMessages } from '../../sync-protocol/src/testing/stored-messages.ts';

const [total = 20_000, conversations = 50, pageSize = 500] = process.argv.slice(2).map(Number);
const me = 'u-me';
const db = new LocalDb(`catchup-store-${Date.now()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
await db.open();
await db.setMeta(META.userId, me);
await db.setMeta(META.owner, me);

const seqs = new Map<string, number>();
const t0 = Date.now();
const messages: Message[] = Array.from({ length: total }, (_, i) => {
  const peer = `u-peer${String(i % conversations).padStart(3, '0')}`;
  const conversationId = directConversationId(me, peer);
  const seq = (seqs.get(conversationId) ?? 0) + 1;
  seqs.set(conversationId, seq);
  const at = new Date(t0 + i).toISOString();
  // Ids grow like the server's UUIDv7.
  const id = `0190${(t0 + i).toString(16).padStart(12, '0')}-${String(i).padStart(8, '0')}`;
  return { id, clientId: `c${i}`, conversationId, senderId: peer, recipientId: me, body: `burst ${seq} of ${total / conversations}`, seq, createdAt: at, status: 'sent', type: 'text', replyTo: null, reactions: [], editedAt: null, deletedAt: null, attachments: [], version: 0 };
});

const started = performance.now();
const cpu0 = process.cpuUsage();
let since = '';
let slowest = 0;
for (let p = 0; p * pageSize < total; p++) {
  const page = { messages: messages.slice(p * pageSize, (p + 1) * pageSize), cursor: String(p + 1), hasMore: (p + 1) * pageSize < total };
  const t = performance.now();
  const { advanced } = await commitPage(db, page, since, me, new Date().toISOString(), []);
  slowest = Math.max(slowest, performance.now() - t);
  if (process.env.PAGES) process.stdout.write(`${(performance.now() - t).toFixed(0)} `);
  if (!advanced) throw new Error(`page ${p} did not advance the cursor`);
  since = page.cursor;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const stored = (await storedMessages(db)).length;
if (stored !== total) throw new Error(`${stored} rows stored, ${total} sent`);
console.log(`${total} messages in ${conversations} conversations, pages of ${pageSize}: ${ms.toFixed(0)} ms (${Math.round(total / (ms / 1000))} msgs/s), slowest page ${slowest.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
db.close();
