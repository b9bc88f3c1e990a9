/**
 * Figure 11: message search under a flood, on SQLite (#18). One user searches as fast as the
 * server answers (4 requests in flight, SEARCH_RATE_LIMIT off: the worst case, as many accounts
 * would be) while another sends messages one at a time over REST; the sends' latency is compared
 * with the same sends alone (the baseline of the same run). The file holds `messages` messages of
 * 8 random words among 200 users; the searcher's 20 chats hold 5 % of them.
 *
 * Also, on the same file after the server stopped: the query of schema version 9 (every message of
 * the server with the words, then the caller's access checked, sorted) timed against the current
 * one, for a one-letter query — what the flood would have cost before.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { directConversationId } from '@pigeon/sync-protocol';
import { SQLITE_FILE_NAME } from '../../server/src/store/open-store.ts';
import { createSqliteStore } from '../../server/src/store/sqlite/sqlite-store.ts';
import { fail } from '../lib/integrity.ts';
import { forkTs, type NodeChild } from '../lib/procs.ts';
import { table } from '../lib/report.ts';
import { fmtMs, summarize, type LatencySummary } from '../lib/stats.ts';

export interface SearchOptions {
  messages: number;
  sends: number;
  nodeFlags?: string[];
}

export interface SearchRow {
  label: string;
  send: LatencySummary;
  searches: number;
  search: LatencySummary | null;
}
export interface SearchFigures {
  messages: number;
  rows: SearchRow[];
  /** ms of one search for "a" on the file: the query of schema 9 and the current one. */
  unscopedMs: number;
  scopedMs: number;
}

const here = new URL('..', import.meta.url).pathname;

export async function measureSearch(opts: SearchOptions): Promise<SearchFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-bench-search-'));
  const serverDir = join(dataDir, 'server');
  try {
    let server = await boot(serverDir, opts.nodeFlags);
    const [searcher, sender, receiver] = await Promise.all(['searcher', 'sender', 'receiver'].map((n) => register(server.url, n)));
    await server.child.stop();
    console.log(`\n[search] seeding ${opts.messages.toLocaleString('en-US')} messages`);
    await seed(join(serverDir, SQLITE_FILE_NAME), searcher!.id, opts.messages);
    server = await boot(serverDir, opts.nodeFlags);
    const rows: SearchRow[] = [];
    try {
      rows.push(await measure('sends alone (baseline)', server.url, sender!, receiver!, null, opts.sends));
      rows.push(await measure('sends while one user searches "a", 4 in flight', server.url, sender!, receiver!, { token: searcher!.token, q: 'a' }, opts.sends));
      rows.push(await measure('sends while one user searches "qz" (rare), 4 in flight', server.url, sender!, receiver!, { token: searcher!.token, q: 'qz' }, opts.sends));
      const stored = await storedCount(server.url, sender!.token, receiver!.id);
      if (stored !== opts.sends * rows.length) fail('search', `${opts.sends * rows.length} messages sent and answered 201, but the conversation holds ${stored}`);
    } finally {
      await server.child.stop();
    }
    const { unscopedMs, scopedMs } = compareQueries(join(serverDir, SQLITE_FILE_NAME), searcher!.id);
    console.log(`  one "a" search on the file: schema 9's query ${fmtMs(unscopedMs)} ms, the current one ${fmtMs(scopedMs)} ms`);
    return { messages: opts.messages, rows, unscopedMs, scopedMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function boot(dataDir: string, nodeFlags: string[] = []): Promise<{ child: NodeChild; url: string }> {
  const child = forkTs(join(here, 'servers/pigeon.ts'), { label: 'sqlite server (search)', nodeFlags, env: { BENCH_DATA_DIR: dataDir } });
  return { child, url: (await child.once<{ url: string }>('ready')).url };
}

interface Account {
  id: string;
  token: string;
}

async function register(url: string, name: string): Promise<Account> {
  const username = `${name}_${randomUUID().slice(0, 8)}`;
  const res = await fetch(`${url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'bench password' }) });
  const body = (await res.json()) as { token: string; user: { id: string } };
  return { id: body.user.id, token: body.token };
}

/** 200 users writing 8 random words per message; the searcher talks with 20 of them (5 %). */
async function seed(file: string, searcherId: string, messages: number): Promise<void> {
  const store = await createSqliteStore({ file });
  try {
    const users = [];
    for (let i = 0; i < 200; i++) users.push(await store.createUser({ username: `seed${i}_${randomUUID().slice(0, 6)}`, displayName: `Seed ${i}`, passwordHash: 'x' }));
    const vocabulary = Array.from({ length: 5000 }, () => randomWord());
    const body = () => Array.from({ length: 8 }, () => vocabulary[Math.floor(Math.random() * vocabulary.length)]).join(' ');
    for (let done = 0; done < messages; ) {
      const batch = [];
      for (let i = 0; i < 1000 && done < messages; i++, done++) {
        const mine = Math.random() < 0.05;
        const a = users[Math.floor(Math.random() * (mine ? 20 : 200))]!.id;
        const b = mine ? searcherId : users[Math.floor(Math.random() * 200)]!.id;
        if (a === b) continue;
        batch.push({ senderId: a, recipientId: b, clientId: randomUUID(), body: body() });
      }
      await store.sendMessages(batch);
    }
  } finally {
    await store.close();
  }
}

const randomWord = () => Array.from({ length: 3 + Math.floor(Math.random() * 7) }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

async function measure(label: string, url: string, sender: Account, receiver: Account, flood: { token: string; q: string } | null, sends: number): Promise<SearchRow> {
  let stop = false;
  const searchTimes: number[] = [];
  const flooders = flood
    ? Array.from({ length: 4 }, async () => {
        while (!stop) {
          const t0 = performance.now();
          const res = await fetch(`${url}/api/messages/search?q=${flood.q}&limit=50`, { headers: { authorization: `Bearer ${flood.token}` } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`search answered ${res.status}`);
          searchTimes.push(performance.now() - t0);
        }
      })
    : [];
  const sendTimes: number[] = [];
  try {
    for (let i = 0; i < sends; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: randomUUID(), to: receiver.id, body: `while searching ${i}` }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`send answered ${res.status}`);
      sendTimes.push(performance.now() - t0);
    }
  } finally {
    stop = true;
    await Promise.all(flooders);
  }
  const row = { label, send: summarize(sendTimes), searches: searchTimes.length, search: searchTimes.length ? summarize(searchTimes) : null };
  console.log(`  ${label}: send p50 ${fmtMs(row.send.p50)} p99 ${fmtMs(row.send.p99)} ms; ${row.searches} searches${row.search ? `, p50 ${fmtMs(row.search.p50)} p99 ${fmtMs(row.search.p99)} ms` : ''}`);
  return row;
}

async function storedCount(url: string, token: string, withUser: string): Promise<number> {
  let n = 0;
  for (let before: string | null = null; ; ) {
    const res = await fetch(`${url}/api/messages/conversation?with=${withUser}&limit=200${before ? `&before=${before}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await res.json()) as { messages: unknown[]; nextCursor?: string | null };
    n += page.messages.length;
    if (!page.nextCursor) return n;
    before = page.nextCursor;
  }
}

/** One "a" search on the file: schema 9's server-wide query shape against the current scoped one (best of 3 each). */
function compareQueries(file: string, searcherId: string): { unscopedMs: number; scopedMs: number } {
  const db = new Database(file, { readonly: true });
  try {
    const uid = db.prepare(`SELECT uid FROM users WHERE id = ?`).pluck().get(searcherId) as number;
    const groups = db.prepare(`SELECT DISTINCT cid FROM members WHERE uid = ?`).pluck().all(uid) as number[];
    const access = `m.type = 'text' AND m.deleted_at IS NULL
      AND CASE WHEN m.recipient <> 0 THEN m.sender = @uid OR m.recipient = @uid
               ELSE EXISTS (SELECT 1 FROM members p WHERE p.cid = m.cid AND p.uid = @uid AND p.from_seq <= m.seq AND (p.to_seq IS NULL OR m.seq <= p.to_seq)) END
      AND NOT EXISTS (SELECT 1 FROM hides h WHERE h.uid = @uid AND h.message_id = m.id)`;
    const unscoped = db.prepare(`SELECT m.id FROM message_search s JOIN messages m ON m.rowid = s.rowid WHERE message_search MATCH @q AND ${access} ORDER BY m.created_at DESC, m.id DESC LIMIT 50`);
    const scoped = db.prepare(`SELECT m.id FROM (SELECT rowid AS rid FROM message_search WHERE message_search MATCH @q ORDER BY rowid DESC LIMIT 5000) s JOIN messages m ON m.rowid = s.rid WHERE ${access} ORDER BY s.rid DESC LIMIT 50`);
    const best = (run: () => unknown) => Math.min(...[0, 1, 2].map(() => { const t0 = performance.now(); run(); return performance.now() - t0; }));
    const scope = [`u${uid}`, ...groups.map((c) => `c${c}`)].join(' OR ');
    return {
      unscopedMs: best(() => unscoped.all({ q: 'words : ("a"*)', uid })),
      scopedMs: best(() => scoped.all({ q: `words : ("a"*) AND scope : (${scope})`, uid })),
    };
  } finally {
    db.close();
  }
}

export function renderSearch(f: SearchFigures): string {
  const base = f.rows[0]!;
  return [
    `### 11. Message search under a flood (SQLite)`,
    `${f.messages.toLocaleString('en-US')} messages of 8 random words among 200 users; the searcher's 20 chats hold 5 % of them. One user searches ` +
      `back to back, 4 requests in flight, with \`SEARCH_RATE_LIMIT\` off (the worst case: many accounts at once; with the default 30 per 10 s one user ` +
      `gets 3 a second), while another sends one message at a time over REST. Baseline: the same sends alone, same run.`,
    '',
    table(
      ['while', 'send p50', 'send p99', 'send p99 vs alone', 'searches', 'search p50', 'search p99'],
      f.rows.map((r) => [r.label, `${fmtMs(r.send.p50)} ms`, `${fmtMs(r.send.p99)} ms`, `${(r.send.p99 / base.send.p99).toFixed(1)} ×`, String(r.searches), r.search ? `${fmtMs(r.search.p50)} ms` : '–', r.search ? `${fmtMs(r.search.p99)} ms` : '–']),
    ),
    '',
    `One search for "a" on the same file, in process: the query of schema version 9 (every match on the server, then access, then a sort; ` +
      `on today's index, whose prefix entries version 9 did not have, so it was slower still) ` +
      `**${fmtMs(f.unscopedMs)} ms**; the current one (the caller's scope, newest first, stops at the page) **${fmtMs(f.scopedMs)} ms**.`,
  ].join('\n');
}
