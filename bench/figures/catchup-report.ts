/** Figure 3's section of docs/benchmarks.md, from what measureCatchUp measured. */
import { availableParallelism } from 'node:os';
import { table } from '../lib/report.ts';
import { fmtRate } from '../lib/stats.ts';
import { catchUpVerdicts, renderVerdicts } from '../lib/speed-targets.ts';
import { CATCH_UP_PAGES } from '@pigeon/sync-protocol/engine';
import type { BrowserCatchUpRow } from './catchup-browser.ts';
import type { CatchUpFigures, CatchUpRow } from './catchup.ts';

export function renderCatchUp(all: CatchUpFigures): string {
  const rows = all.filter((r): r is CatchUpRow => r.kind !== 'browser');
  const browserRows = all.filter((r): r is BrowserCatchUpRow => r.kind === 'browser');
  if (rows.length === 0) return '';
  const r0 = rows[0]!;
  const browserText = browserRows.map(
    (b) =>
      `\n\n**In a real browser** (same scenario, headless Chromium, the PWA's own engine over Chromium's IndexedDB, SQLite store; network cut with ` +
      `\`context.setOffline\` and refused socket.io WebSockets; time from the network coming back until the page's IndexedDB holds every message, polled every 100 ms): ` +
      (b.ok
        ? `**${(b.ms / 1000).toFixed(2)} s** for ${fmtRate(b.messages)} messages in ${b.conversations} conversations (${fmtRate(b.messages / (b.ms / 1000))} msgs/s)` +
          (b.firstMs !== undefined ? `, of which ${(b.firstMs / 1000).toFixed(2)} s before the first message was stored (reconnection)` : '') +
          (b.receiptsMs !== undefined ? `; every delivery receipt acked by the server at +${(b.receiptsMs / 1000).toFixed(2)} s (a catch-up's receipts are sent once it ends)` : '') +
          (b.longestTaskMs !== undefined ? `; longest main-thread task meanwhile ${b.longestTaskMs.toFixed(0)} ms (${b.longTasks} over 50 ms)` : '') +
          (b.cpu
            ? `; CPU meanwhile: Chromium ${b.cpu.chromium.toFixed(2)} s, the server ${b.cpu.server.toFixed(2)} s, the whole machine ${b.cpu.machine.toFixed(2)} s ` +
              `(of its ${availableParallelism()} cores × ${(b.ms / 1000).toFixed(2)} s)`
            : '') +
          (b.floor
            ? `. **IndexedDB floor** (baseline, same page: the same ${fmtRate(b.floor.rows)} rows written again into a fresh database of the same schema in ${b.floor.pages} ` +
              `pages of the engine's size, one transaction each, no engine; bench/lib/idb-floor.ts): ${(b.floor.ms / 1000).toFixed(2)} s; engine / floor ${(b.ms / b.floor.ms).toFixed(1)} ×` +
              (b.floorParts?.length === 2
                ? ` (the floor without the search words index ${(b.floorParts[0]!.ms / 1000).toFixed(2)} s, with the primary key alone ${(b.floorParts[1]!.ms / 1000).toFixed(2)} s).`
                : '.')
            : '.')
        : `✘ not reached.`),
  );
  return [
    `### 3. Catch-up after being offline`,
    `A device (the sync engine over fake-indexeddb, in the bench process) is offline while ${fmtRate(r0.messages)} messages (chat-like bodies: bench/lib/chat-body.ts) arrive in ${r0.conversations} conversations; ` +
      `then it reconnects. **Engine**: time from reconnect until its local database equals the server (every message once, seq 1..n per conversation, checked through \`engine.queries\`). ` +
      `**Baseline**: the server's \`/api/sync\` paging alone, a raw fetch loop with the engine's page sizes (${CATCH_UP_PAGES.first} for the first page, then ${r0.pageSize}) that stores nothing.`,
    '',
    table(
      ['store', 'messages', 'engine: reconnect → equal', 'engine msgs/s', 'raw /api/sync', 'raw msgs/s', 'engine / raw time', 'fake-indexeddb floor (/ raw)', 'engine / floor', 'server CPU (engine / raw)', 'client CPU'],
      rows.map((r) => [
        r.kind,
        fmtRate(r.messages),
        r.ok ? `${(r.engine.ms / 1000).toFixed(2)} s` : `✘ not reached (${(r.engine.ms / 1000).toFixed(0)} s)`,
        r.ok ? fmtRate(r.engine.msgsPerSec) : '–',
        `${(r.raw.ms / 1000).toFixed(2)} s (${r.raw.pages} pages)`,
        fmtRate(r.raw.msgsPerSec),
        r.ok ? `${(r.engine.ms / r.raw.ms).toFixed(1)} ×` : '–',
        r.floor ? `${(r.floor.ms / 1000).toFixed(2)} s (${(r.floor.ms / r.raw.ms).toFixed(1)} ×)` : '–',
        r.ok && r.floor ? `${(r.engine.ms / r.floor.ms).toFixed(1)} ×` : '–',
        `${r.engine.serverCpuSec.toFixed(1)} s / ${r.raw.serverCpuSec.toFixed(1)} s`,
        `${r.engine.clientCpuSec.toFixed(1)} s`,
      ]),
    ),
    '',
    `**fake-indexeddb floor** (a second baseline, bench/lib/idb-floor.ts): once the engine is done, the rows it stored are written again into a fresh ` +
      `database of the same schema in the same fake-indexeddb, in pages of the engine's size, one transaction each over messages, conversations and meta, ` +
      `no engine. ` +
      rows
        .filter((r) => r.floor && r.floorParts?.length === 2)
        .map((r) => `${r.kind}: without the search words index ${(r.floorParts![0]!.ms / 1000).toFixed(2)} s, with the primary key alone ${(r.floorParts![1]!.ms / 1000).toFixed(2)} s.`)
        .join(' '),
  ].join('\n') + browserText.join('') + '\n' + renderVerdicts(verdictsOf(rows, browserRows));
}

function verdictsOf(rows: readonly CatchUpRow[], browserRows: readonly BrowserCatchUpRow[]) {
  // The browser half runs on SQLite: its raw baseline is the SQLite row's paging.
  const sqlite = rows.find((r) => r.kind === 'sqlite');
  const b = browserRows[0];
  return catchUpVerdicts({
    ...(sqlite ? { fakeIdb: { engineMs: sqlite.ok ? sqlite.engine.ms : null, rawMs: sqlite.raw.ms } } : {}),
    ...(b ? { chromium: { messages: b.messages, ms: b.ok ? b.ms : null, ...(b.longestTaskMs !== undefined ? { longestTaskMs: b.longestTaskMs } : {}) } } : {}),
  });
}
