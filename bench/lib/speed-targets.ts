/**
 * Issue #20's targets ("fast where users wait"), judged on one run's figures: each figure that
 * measures one prints its verdict under its table, as figures 8 and 10 do. Reported, never asserted:
 * a bench fails only on a lost or doubled message. A figure not measured in the run is said so,
 * not counted as met.
 */
export const SPEED_TARGETS = {
  /** Catch-up: engine time / the raw `/api/sync` paging of the same run, on fake-indexeddb and in Chromium. */
  catchUpRatio: 3,
  /** Catch-up of `catchUpMessages` messages in Chromium, ms. */
  catchUpChromiumMs: 1500,
  catchUpMessages: 20_000,
  /** Longest main-thread task in Chromium during the catch-up, ms. */
  catchUpTaskMs: 100,
  /** Outbox drain: engine / raw client time, one chat and 20 chats. */
  outboxOneChat: 1.5,
  outboxManyChats: 2,
  /** Initial JS, gzip bytes. */
  initialJsGzip: 90 * 1024,
  /** Offline cold open to the painted list, `coldOpenCached` messages cached (median), ms. */
  coldOpenMs: 200,
  coldOpenCached: 5_000,
  /** Opening a chat of `openChatMessages` messages (median), ms. */
  openChatMs: 60,
  openChatMessages: 1_000,
  /** Lighthouse mobile performance score, each page (median). */
  lighthouse: 95,
} as const;

export interface Verdict {
  target: string;
  /** What was measured, in words; null when the run did not measure it. */
  measured: string | null;
  met: boolean;
}

const x = (ratio: number) => `${ratio.toFixed(1)} ×`;
const ms = (v: number) => `${v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`;
const s = (v: number) => `${(v / 1000).toFixed(2)} s`;
const count = (n: number) => n.toLocaleString('en-US');

function verdict(target: string, value: number | null | undefined, limit: number, measured: (v: number) => string, atLeast = false): Verdict {
  if (value === null || value === undefined || !Number.isFinite(value)) return { target, measured: null, met: false };
  return { target, measured: measured(value), met: atLeast ? value >= limit : value <= limit };
}

export interface CatchUpInput {
  /** The fake-indexeddb engine and the raw paging of the same store (SQLite), ms; engine null when it did not finish. */
  fakeIdb?: { engineMs: number | null; rawMs: number };
  /** Chromium's catch-up of `messages` messages, ms (null when it did not finish), and its longest main-thread task. */
  chromium?: { messages: number; ms: number | null; longestTaskMs?: number };
}

export function catchUpVerdicts({ fakeIdb, chromium }: CatchUpInput): Verdict[] {
  const T = SPEED_TARGETS;
  const raw = fakeIdb?.rawMs;
  const ratio = (engine: number | null | undefined) => (engine != null && raw ? engine / raw : null);
  return [
    verdict(`engine / raw ≤ ${T.catchUpRatio} × on fake-indexeddb`, ratio(fakeIdb?.engineMs), T.catchUpRatio, (r) => `${x(r)} (${s(fakeIdb!.engineMs!)} / ${s(raw!)})`),
    verdict(`engine / raw ≤ ${T.catchUpRatio} × in Chromium (raw: the same run's /api/sync paging)`, ratio(chromium?.ms), T.catchUpRatio, (r) => `${x(r)} (${s(chromium!.ms!)} / ${s(raw!)})`),
    // The time target is for the full size (a --quick run catches up fewer).
    verdict(`${count(T.catchUpMessages)} messages in ≤ ${s(T.catchUpChromiumMs)} in Chromium`, chromium?.messages === T.catchUpMessages ? chromium.ms : null, T.catchUpChromiumMs, s),
    verdict(`longest main-thread task during the catch-up ≤ ${T.catchUpTaskMs} ms`, chromium?.ms != null ? chromium.longestTaskMs : null, T.catchUpTaskMs, (v) => (v === 0 ? 'none over 50 ms' : ms(v))),
  ];
}

export function outboxVerdicts(rows: readonly { conversations: number; drainMs: number; rawMs: number; ok: boolean }[]): Verdict[] {
  const T = SPEED_TARGETS;
  const ratio = (many: boolean) => {
    const r = rows.find((row) => (many ? row.conversations > 1 : row.conversations === 1));
    return r?.ok ? r.drainMs / r.rawMs : null;
  };
  return [
    verdict(`drain engine / raw ≤ ${T.outboxOneChat} × for one chat`, ratio(false), T.outboxOneChat, x),
    verdict(`drain engine / raw ≤ ${T.outboxManyChats} × for 20 chats`, ratio(true), T.outboxManyChats, x),
  ];
}

export interface ClientInput {
  initialGzip?: number;
  /** Navigation → painted list, median, with SPEED_TARGETS.coldOpenCached messages cached (the list snapshot draws it when the page has one). */
  coldOpenMs?: number;
  /** The same with the snapshot removed first (the list from IndexedDB): said beside the verdict, not judged. */
  coldOpenFromDatabaseMs?: number;
  /** Click → the chat of SPEED_TARGETS.openChatMessages messages rendered, median. */
  openChatMs?: number;
}

export function clientVerdicts({ initialGzip, coldOpenMs, coldOpenFromDatabaseMs, openChatMs }: ClientInput): Verdict[] {
  const T = SPEED_TARGETS;
  const fromDatabase = coldOpenFromDatabaseMs !== undefined ? ` (with the list snapshot removed, from IndexedDB: ${ms(coldOpenFromDatabaseMs)})` : '';
  return [
    verdict(`initial JS ≤ ${T.initialJsGzip / 1024} KiB gzip`, initialGzip, T.initialJsGzip, (v) => `${(v / 1024).toFixed(1)} KiB`),
    verdict(`offline cold open to the painted list ≤ ${T.coldOpenMs} ms with ${count(T.coldOpenCached)} messages cached (median)`, coldOpenMs, T.coldOpenMs, (v) => ms(v) + fromDatabase),
    verdict(`opening a ${count(T.openChatMessages)}-message chat ≤ ${T.openChatMs} ms (median)`, openChatMs, T.openChatMs, ms),
  ];
}

export function lighthouseVerdicts(pages: readonly { label: string; performance: number }[]): Verdict[] {
  const T = SPEED_TARGETS;
  return pages.map((p) => verdict(`Lighthouse mobile performance ≥ ${T.lighthouse}: ${p.label} (median)`, p.performance, T.lighthouse, String, true));
}

/** The entry script asked for with `br` and with `gzip`: what Content-Encoding each answer had (absent: identity). */
export function precompressedVerdict(encodings: { br?: string | null; gzip?: string | null }): Verdict {
  const measured = `br → ${encodings.br ?? 'identity'}, gzip → ${encodings.gzip ?? 'identity'}`;
  return { target: 'static files served compressed (brotli and gzip)', measured, met: encodings.br === 'br' && encodings.gzip === 'gzip' };
}

/** The verdicts as the Markdown list under a figure. */
export function renderVerdicts(verdicts: readonly Verdict[], scope?: string): string {
  if (verdicts.length === 0) return '';
  const line = (v: Verdict) => (v.measured === null ? `- – not measured in this run: ${v.target}` : `- ${v.met ? '✔ met' : '✘ not met'}: ${v.target} — measured ${v.measured}`);
  return ['', `**Targets** (issue #20${scope ? `, ${scope}` : ''}; reported, not asserted):`, '', ...verdicts.map(line)].join('\n');
}
