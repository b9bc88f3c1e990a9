/**
 * Figure 3 in a real browser: the PWA's own engine over headless Chromium's IndexedDB catches
 * up with what arrived while it was offline, against its IndexedDB floor (lib/idb-floor.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { CATCH_UP_PAGES } from '@pigeon/sync-protocol/engine';
import { countLocalMessages, countOwedReceipts, launchChromium, offlineSwitch } from '../lib/browser.ts';
import { measureFloorAndParts, measureIdbFloor, type IdbFloor } from '../lib/idb-floor.ts';
import { sendBurst } from '../lib/burst.ts';
import { chatBody } from '../lib/chat-body.ts';
import { timePageSearch } from '../lib/device-search-time.ts';
import { fail } from '../lib/integrity.ts';
import { fmtRate } from '../lib/stats.ts';
import { readCpuSeconds, readMachineCpu } from '../lib/procs.ts';
import { treeCpuMeter } from '../lib/proc-tree.ts';
import { registerUsers, startTarget } from '../lib/targets.ts';
import type { CatchUpOptions } from './catchup.ts';

export interface BrowserCatchUpRow {
  kind: 'browser';
  messages: number;
  conversations: number;
  /** Network back → every message in the page's IndexedDB (polled every 100 ms). */
  ms: number;
  /** Network back → the first new message stored (mostly the socket's reconnection delay). */
  firstMs?: number;
  /**
   * Network back → no delivery receipt owed any more (the server acked them all: the senders' ticks).
   * The receipts of a catch-up are sent once it ends (sync-protocol up/receipts.ts holdDelivered).
   */
  receiptsMs?: number;
  /** Main-thread tasks over 50 ms during the catch-up (Long Tasks API), and the longest. */
  longTasks?: number;
  longestTaskMs?: number;
  /**
   * CPU seconds spent during `ms` by Chromium's processes, the server process (its store worker
   * included) and the whole machine: on n cores, `ms` cannot be below the machine's seconds / n.
   */
  cpu?: { chromium: number; server: number; machine: number };
  /** The same rows stored again into a fresh database of the same schema, in the engine's pages, without the engine (lib/idb-floor.ts). */
  floor?: IdbFloor;
  /** The floor without the words index, and with the primary key alone. */
  floorParts?: IdbFloor[];
  ok: boolean;
}

/**
 * The same scenario in headless Chromium: the PWA signs in and syncs, the network is cut
 * (HTTP and socket.io WebSockets), the messages arrive, the network comes back; time until
 * the page's IndexedDB holds them all. The PWA's own engine and Chromium's IndexedDB, not
 * fake-indexeddb.
 */
export async function browserCatchUp(opts: CatchUpOptions): Promise<BrowserCatchUpRow> {
  const perConversation = Math.ceil(opts.messages / opts.conversations);
  const total = perConversation * opts.conversations;
  console.log(`\n[catchup] browser (Chromium, SQLite store): ${total} messages in ${opts.conversations} conversations while offline`);
  // CATCHUP_SERVER_PROFILE=<dir>: a V8 CPU profile of the server process, its whole life (filter by the sync route).
  const serverProfile = process.env.CATCHUP_SERVER_PROFILE;
  const target = await startTarget('sqlite', { label: 'sqlite server (browser catch-up)', ...(serverProfile ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${serverProfile}`] } : {}) });
  const browser = await launchChromium();
  try {
    const prefix = `cb${Date.now().toString(36)}_`;
    const [me, ...peers] = await registerUsers(target.url, opts.conversations + 1, prefix);
    const context = await browser.newContext({ serviceWorkers: 'allow' });
    const net = await offlineSwitch(context);
    const page = await context.newPage();
    // CATCHUP_SOUND=1: with the user's "Sound for new messages" on (off by default; each arriving message is then considered for a sound).
    if (process.env.CATCHUP_SOUND) await page.addInitScript(() => localStorage.setItem('pigeon:new-message-sound', '1'));
    await page.goto(target.url);
    await page.getByTestId('auth-username').fill(`${prefix}0`);
    await page.getByTestId('auth-password').fill('bench-password-1');
    await page.getByTestId('auth-submit').click();
    await page.getByTestId('me-name').waitFor();
    await page.waitForTimeout(500);
    await net.set(true);
    const fill = await sendBurst(target.url, peers.map((p) => ({ sender: p!, to: me!.id, count: perConversation })), 8, `cb${Date.now().toString(36)}`, chatBody);
    if (fill.acked !== total) fail('catchup/browser', `filling: ${fill.acked}/${total} acked`);
    const before = await countLocalMessages(page);
    // Main-thread tasks over 50 ms while the catch-up runs (Long Tasks API): the UI must not freeze.
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    const cdp = process.env.CATCHUP_PROFILE ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    // CATCHUP_TRACE=<dir>: a Chromium trace of every process (the page, the browser's IndexedDB thread) during the catch-up.
    const trace = process.env.CATCHUP_TRACE ? `${process.env.CATCHUP_TRACE}/catchup-browser-${Date.now()}.trace.json` : null;
    if (trace) {
      mkdirSync(dirname(trace), { recursive: true });
      await browser.startTracing(page, { path: trace, categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'IndexedDB', 'blink'] });
    }
    const chromiumCpu = treeCpuMeter(process.pid, 'chromium');
    const serverCpu0 = readCpuSeconds(target.pid);
    const machineCpu0 = readMachineCpu().busy;
    const t0 = performance.now();
    await net.set(false);
    let n = 0;
    let firstMs = NaN;
    while (performance.now() - t0 < Math.max(120_000, total * 15)) {
      n = await countLocalMessages(page);
      if (Number.isNaN(firstMs) && n > before) firstMs = performance.now() - t0;
      if (n >= total) break;
      await page.waitForTimeout(100);
    }
    const ms = performance.now() - t0;
    const cpu = { chromium: chromiumCpu(), server: readCpuSeconds(target.pid) - serverCpu0, machine: readMachineCpu().busy - machineCpu0 };
    if (trace) {
      await browser.stopTracing();
      console.log(`  Chromium trace of the catch-up: ${trace}`);
    }
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      const path = `${process.env.CATCHUP_PROFILE}/catchup-browser-${Date.now()}.cpuprofile`;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(profile));
      console.log(`  CPU profile of the page during the catch-up: ${path}`);
    }
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    const longestTaskMs = Math.max(0, ...longTasks);
    const ok = n === total;
    if (!ok) fail('catchup/browser', `the page's IndexedDB holds ${n} messages, ${total} were sent`);
    console.log(
      `  browser catch-up: ${(ms / 1000).toFixed(2)} s until IndexedDB holds all ${total} (${fmtRate(total / (ms / 1000))} msgs/s); ` +
        `first message stored after ${(firstMs / 1000).toFixed(2)} s (reconnect); ` +
        `main-thread tasks > 50 ms: ${longTasks.length}, longest ${longestTaskMs.toFixed(0)} ms`,
    );
    console.log(`  CPU meanwhile: Chromium ${cpu.chromium.toFixed(2)} s, server ${cpu.server.toFixed(2)} s; the machine ${cpu.machine.toFixed(2)} s of its ${availableParallelism()} × ${(ms / 1000).toFixed(2)} s`);
    // After the engine is done, its receipts too (the database stays still while the floor is timed).
    let receiptsMs = NaN;
    while (performance.now() - t0 < ms + 60_000) {
      if ((await countOwedReceipts(page)) === 0) {
        receiptsMs = performance.now() - t0;
        break;
      }
      await page.waitForTimeout(50);
    }
    if (Number.isNaN(receiptsMs)) fail('catchup/browser', 'delivery receipts still owed a minute after the catch-up');
    console.log(`  delivery receipts all acked at +${(receiptsMs / 1000).toFixed(2)} s (sent once the catch-up ended: up/receipts.ts holdDelivered)`);
    await page.waitForTimeout(1_000);
    const { floor, floorParts } = await measureFloorAndParts((without) => measureIdbFloor(page, CATCH_UP_PAGES.next, without));
    if (floor.rows !== total) fail('catchup/browser', `the floor read ${floor.rows} rows, ${total} were sent`);
    console.log(`  IndexedDB floor (the same ${floor.rows} rows into a fresh database of the same schema, ${floor.pages} pages, no engine): ${(floor.ms / 1000).toFixed(2)} s; engine / floor ${(ms / floor.ms).toFixed(1)} ×`);
    // What the indexes cost of it: without the search words, and with the primary key alone.
    console.log(`  the floor without the words index ${(floorParts[0]!.ms / 1000).toFixed(2)} s, with the primary key alone ${(floorParts[1]!.ms / 1000).toFixed(2)} s`);
    await net.set(true);
    const search = await timePageSearch(page, 'catchup/browser', perConversation);
    console.log(`  search box offline over the ${total} (typed → results, median of 5): ${search.map((r) => `"${r.q}" ${r.ms.toFixed(0)} ms (${r.hits} hits)`).join(', ')}`);
    await context.close();
    return { kind: 'browser', messages: total, conversations: opts.conversations, ms, firstMs, receiptsMs, longTasks: longTasks.length, longestTaskMs, cpu, floor, floorParts, ok };
  } finally {
    await browser.close();
    await target.stop();
  }
}
