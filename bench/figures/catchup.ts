/**
 * Figure 3: catch-up. A device (sync engine + fake-indexeddb, in the bench process)
 * is offline while `messages` arrive in `conversations` conversations; then it
 * reconnects. Measured: time from reconnect until its local database holds exactly
 * what the server holds for it. Baseline in the same run: the server's /api/sync
 * paging alone (a raw fetch loop, same page size as the engine, nothing stored); a second
 * one, the fake-indexeddb floor: the engine's rows stored again without the engine
 * (lib/idb-floor.ts). The Chromium half is in catchup-browser.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { request } from 'node:http';
import { dirname } from 'node:path';
import type { Message, SyncResponse } from '@pigeon/sync-protocol';
import { IDBFactory } from 'fake-indexeddb';
import { CATCH_UP_PAGES } from '@pigeon/sync-protocol/engine';
import { measureFloorAndParts, measureIdbFloorIn, type IdbFloor } from '../lib/idb-floor.ts';
import { browserCatchUp, type BrowserCatchUpRow } from './catchup-browser.ts';
import { sendBurst } from '../lib/burst.ts';
import { chatBody } from '../lib/chat-body.ts';
import { timeDeviceSearch } from '../lib/device-search-time.ts';
import { benchEngine, untilState } from '../lib/engine.ts';
import { fail } from '../lib/integrity.ts';
import { readCpuSeconds } from '../lib/procs.ts';
import { fmtRate } from '../lib/stats.ts';
import { registerUsers, startTarget, type TargetKind } from '../lib/targets.ts';

export interface CatchUpOptions {
  messages: number;
  conversations: number;
  stores: TargetKind[];
  /** Also run the catch-up in headless Chromium (the PWA over the browser's IndexedDB), SQLite store. */
  browser?: boolean;
  /** Messages for the MongoDB store when smaller (FerretDB 1.x scans instead of using indexes). */
  mongoMessages?: number;
  nodeFlags?: string[];
}

export interface CatchUpRow {
  kind: TargetKind;
  messages: number;
  conversations: number;
  pageSize: number;
  raw: { ms: number; pages: number; msgsPerSec: number; serverCpuSec: number };
  engine: { ms: number; msgsPerSec: number; serverCpuSec: number; clientCpuSec: number; allEventsMs: number; onlineMs: number; syncedMs: number };
  /** The engine's rows stored again into a fresh fake-indexeddb database of the same schema, in its pages, without the engine (lib/idb-floor.ts). */
  floor?: IdbFloor;
  /** The floor without the words index, and with the primary key alone. */
  floorParts?: IdbFloor[];
  ok: boolean;
}
export type CatchUpFigures = Array<CatchUpRow | BrowserCatchUpRow>;

export async function measureCatchUp(opts: CatchUpOptions): Promise<CatchUpFigures> {
  const rows: CatchUpFigures = [];
  // CATCHUP_BROWSER=0 skips the Chromium half, CATCHUP_NODE=0 the fake-indexeddb one (quicker runs while profiling).
  if (opts.browser && process.env.CATCHUP_BROWSER !== '0') rows.push(await browserCatchUp(opts));
  if (process.env.CATCHUP_NODE === '0') return rows;
  for (const kind of opts.stores) rows.push(await catchUpOn(kind, kind === 'mongodb' && opts.mongoMessages ? { ...opts, messages: opts.mongoMessages } : opts));
  return rows;
}

async function catchUpOn(kind: TargetKind, opts: CatchUpOptions): Promise<CatchUpRow> {
  const where = `catchup/${kind}`;
  const perConversation = Math.ceil(opts.messages / opts.conversations);
  const total = perConversation * opts.conversations;
  console.log(`\n[catchup] ${kind}: ${total} messages in ${opts.conversations} conversations while offline`);
  const target = await startTarget(kind, { nodeFlags: opts.nodeFlags, label: `${kind} server (catch-up)` });
  const dbName = `bench-catchup-${kind}-${Date.now()}`;
  const idb = new IDBFactory();
  const engine = benchEngine(target.url, dbName, idb);
  try {
    const prefix = `cu${Date.now().toString(36)}_`;
    const [me, ...peers] = await registerUsers(target.url, opts.conversations + 1, prefix);
    await engine.signIn(`${prefix}0`, 'bench-password-1');
    await untilState(engine, (s) => s.connection === 'online' && s.lastSyncAt !== null, 30_000, 'first sync');
    engine.setNetworkEnabled(false);

    const fill = await sendBurst(target.url, peers.map((p) => ({ sender: p!, to: me!.id, count: perConversation })), 8, `cu${kind}`, chatBody);
    if (fill.acked !== total || fill.errors.length) fail(where, `filling: ${fill.acked}/${total} acked; ${fill.errors.slice(0, 5).join(' | ')}`);
    console.log(`  filled in ${(fill.ms / 1000).toFixed(1)} s (${fmtRate(total / (fill.ms / 1000))} msgs/s, 8 lanes per sender)`);

    // Baseline: the server's paging alone.
    // The engine's page sizes (its first page, then larger ones while there is more).
    const pageSize = CATCH_UP_PAGES.next;
    let limit = CATCH_UP_PAGES.first;
    const serverIds = new Set<string>();
    let cpu0 = readCpuSeconds(target.pid);
    let t0 = performance.now();
    let pages = 0;
    let since = '';
    for (;;) {
      const res = await fetch(`${target.url}/api/sync?since=${encodeURIComponent(since)}&limit=${limit}`, { headers: { authorization: `Bearer ${me!.token}` } });
      if (!res.ok) throw new Error(`/api/sync: HTTP ${res.status} ${await res.text()}`);
      const page = (await res.json()) as SyncResponse;
      pages++;
      for (const m of page.messages) serverIds.add(m.id);
      since = page.cursor;
      if (!page.hasMore) break;
      limit = CATCH_UP_PAGES.next;
    }
    const rawMs = performance.now() - t0;
    const rawCpu = readCpuSeconds(target.pid) - cpu0;
    if (serverIds.size !== total) fail(where, `/api/sync returned ${serverIds.size} distinct messages, ${total} were sent`);
    console.log(`  raw /api/sync: ${pages} pages (≤${CATCH_UP_PAGES.first}, then ≤${pageSize}) in ${(rawMs / 1000).toFixed(2)} s = ${fmtRate(serverIds.size / (rawMs / 1000))} msgs/s (server CPU ${rawCpu.toFixed(1)} s)`);
    const wire = await pageOnTheWire(target.url, me!.token, pageSize);
    console.log(`  a page of ${pageSize} on the wire: ${(wire.identity / 1024).toFixed(0)} KiB as JSON, ${(wire.gzip / 1024).toFixed(0)} KiB gzip-encoded (what a browser gets)`);

    // The device reconnects.
    const seen = new Set<string>();
    let allEventsAt = 0;
    let progressAt = performance.now();
    const off = engine.on('message', (m: Message) => {
      progressAt = performance.now();
      if (serverIds.has(m.id)) seen.add(m.id);
      if (!allEventsAt && seen.size === serverIds.size) allEventsAt = performance.now();
    });
    let onlineAt = 0;
    let syncedAt = 0;
    const lastSync0 = engine.getState().lastSyncAt;
    const offState = engine.on('state', (st) => {
      if (!onlineAt && st.connection === 'online') onlineAt = performance.now();
      if (!syncedAt && st.lastSyncAt !== lastSync0) syncedAt = performance.now();
    });
    const profile = process.env.CATCHUP_PROFILE ? await startProfile() : null;
    const counts = (globalThis as { __idbCounts?: Record<string, number> }).__idbCounts;
    const counts0 = counts ? { ...counts } : null;
    const client0 = process.cpuUsage();
    cpu0 = readCpuSeconds(target.pid);
    t0 = performance.now();
    engine.setNetworkEnabled(true);
    // 'message' events fire after the transaction that stored them commits: when the last one
    // arrives the database holds everything. The (slow) full comparison then confirms it; if it
    // does not match yet, the time is the start of the first comparison that does.
    let equal = false;
    let equalAt = 0;
    let checks = 0;
    const deadline = t0 + Math.max(120_000, total * 15);
    let stalled = false;
    while (!equal && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      // No message stored for a minute: the catch-up is stuck, not slow.
      if (performance.now() - progressAt > 60_000) {
        stalled = true;
        break;
      }
      if (!allEventsAt) continue;
      const checkStart = performance.now();
      equal = await localEqualsServer(engine, serverIds, opts.conversations, perConversation);
      if (equal) equalAt = checks === 0 ? allEventsAt : checkStart;
      checks++;
    }
    const engineMs = (equalAt || performance.now()) - t0;
    const engineCpu = readCpuSeconds(target.pid) - cpu0;
    const clientCpu = process.cpuUsage(client0);
    if (counts && counts0) console.log(`  IndexedDB calls during the catch-up: ${Object.entries(counts).map(([k, v]) => [k, v - (counts0[k] ?? 0)] as const).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (profile) await profile.stop(`${process.env.CATCHUP_PROFILE}/catchup-${kind}-${Date.now()}.cpuprofile`);
    off();
    offState();
    const rel = (t: number) => (t ? `+${(t - t0).toFixed(0)} ms` : 'not seen');
    console.log(`  timeline: online ${rel(onlineAt)}, last message stored ${rel(allEventsAt)}, catch-up done ${rel(syncedAt)}, comparisons ${checks}`);
    if (!equal)
      fail(where, `local database never matched the server (${seen.size}/${serverIds.size} messages stored${stalled ? '; nothing stored for 60 s, gave up' : ''})`);
    console.log(
      `  engine catch-up: ${(engineMs / 1000).toFixed(2)} s until the local database equals the server` +
        ` (${fmtRate(total / (engineMs / 1000))} msgs/s; server CPU ${engineCpu.toFixed(1)} s, client CPU ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)} s)`,
    );
    // The floor, once the engine is done (its receipts too: the database stays still while it is timed).
    await new Promise((r) => setTimeout(r, 1_000));
    const { floor, floorParts } = await measureFloorAndParts((without) => measureIdbFloorIn(idb, dbName, pageSize, without));
    if (floor.rows !== total) fail(where, `the floor read ${floor.rows} rows, ${total} were sent`);
    console.log(
      `  fake-indexeddb floor (the same ${floor.rows} rows into a fresh database of the same schema, ${floor.pages} pages, no engine): ${(floor.ms / 1000).toFixed(2)} s ` +
        `= ${(floor.ms / rawMs).toFixed(1)} × raw; engine / floor ${(engineMs / floor.ms).toFixed(1)} ×; ` +
        `without the words index ${(floorParts[0]!.ms / 1000).toFixed(2)} s, with the primary key alone ${(floorParts[1]!.ms / 1000).toFixed(2)} s`,
    );
    const search = await timeDeviceSearch(engine, where, perConversation);
    console.log(`  device search offline over the ${total} (median of 5): ${search.map((r) => `"${r.q}" ${r.ms.toFixed(1)} ms (${r.hits} hits)`).join(', ')}`);
    return {
      kind,
      floor,
      floorParts,
      messages: total,
      conversations: opts.conversations,
      pageSize,
      raw: { ms: rawMs, pages, msgsPerSec: total / (rawMs / 1000), serverCpuSec: rawCpu },
      engine: {
        ms: engineMs,
        msgsPerSec: total / (engineMs / 1000),
        serverCpuSec: engineCpu,
        clientCpuSec: (clientCpu.user + clientCpu.system) / 1e6,
        allEventsMs: allEventsAt ? allEventsAt - t0 : NaN,
        onlineMs: onlineAt ? onlineAt - t0 : NaN,
        syncedMs: syncedAt ? syncedAt - t0 : NaN,
      },
      ok: equal && serverIds.size === total,
    };
  } finally {
    await engine.close().catch(() => {});
    await target.stop();
  }
}

/**
 * CATCHUP_PROFILE=DIR: a V8 CPU profile of this process (the engine) from reconnect until the
 * database equals the server, without the filling before it (summarise: bench/lib/profile.ts).
 */
async function startProfile(): Promise<{ stop: (path: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    stop: async (path) => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
      console.log(`  CPU profile of the engine's catch-up: ${path}`);
    },
  };
}

/** Every server message is in the local database, once, with seq 1..n in each conversation. */
async function localEqualsServer(
  engine: ReturnType<typeof benchEngine>,
  serverIds: Set<string>,
  conversations: number,
  perConversation: number,
): Promise<boolean> {
  const views = await engine.queries.conversations();
  if (views.length !== conversations) return false;
  let n = 0;
  for (const v of views) {
    const msgs = await engine.queries.messages(v.conversation.id, perConversation * 2 + 10);
    if (msgs.length !== perConversation) return false;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (m.seq !== i + 1 || !m.id || !serverIds.has(m.id)) return false;
      n++;
    }
  }
  return n === serverIds.size;
}

/** The bytes of the first sync page as sent, without and with `Accept-Encoding: gzip` (node:http: fetch would decode it unseen). */
async function pageOnTheWire(url: string, token: string, limit: number): Promise<{ identity: number; gzip: number }> {
  const size = (encoding: string | null) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(encoding ? { 'accept-encoding': encoding } : {}) };
      const req = request(`${url}/api/sync?limit=${limit}`, { headers }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => (res.headers['content-encoding'] === (encoding ?? undefined) ? resolve(n) : reject(new Error(`/api/sync: content-encoding ${res.headers['content-encoding']}`))));
      });
      req.on('error', reject);
      req.end();
    });
  return { identity: await size(null), gzip: await size('gzip') };
}
