/**
 * Headless Debian Chromium through playwright-core (never downloads a browser), and
 * an offline switch: context.setOffline() does not cut open WebSockets, so socket.io
 * WebSockets are routed through Playwright and refused while offline.
 */
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import type { MarkSnapshot } from '../../client/e2e/mark-probe.ts';

export { installMarkProbe, markSnapshots, measures, type MarkSnapshot } from '../../client/e2e/mark-probe.ts';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface Offline {
  set(offline: boolean): Promise<void>;
}

export async function offlineSwitch(context: BrowserContext): Promise<Offline> {
  let offline = false;
  const open = new Set<WebSocketRoute>();
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (offline) return void ws.close({ code: 4000, reason: 'offline' });
    const server = ws.connectToServer();
    open.add(ws);
    ws.onClose(() => {
      open.delete(ws);
      void server.close();
    });
    server.onClose(() => {
      open.delete(ws);
      void ws.close();
    });
  });
  return {
    async set(next) {
      offline = next;
      await context.setOffline(next);
      if (next) await Promise.all([...open].map((ws) => ws.close({ code: 4000, reason: 'offline' }).catch(() => {})));
    },
  };
}

/** Rows in the page's `pigeon` IndexedDB messages store (setup and checks; reads the engine's own database). */
export function countLocalMessages(page: import('playwright-core').Page): Promise<number> {
  return countLocal(page, 'messages');
}

/** Direct conversations in the page's IndexedDB whose peer's user record is there too (a name to show). */
export function countNamedPeers(page: import('playwright-core').Page): Promise<number> {
  return countLocal(page, 'named-peers');
}

/** The delivery receipts the page's engine still owes (its owed records: sync-protocol local/owed-receipts.ts). */
export function countOwedReceipts(page: import('playwright-core').Page): Promise<number> {
  return countLocal(page, 'owed-receipts');
}

/** One count read from the engine's database in the page, in one read-only transaction. */
function countLocal(page: import('playwright-core').Page, what: 'messages' | 'named-peers' | 'owed-receipts'): Promise<number> {
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  return page.evaluate(async (what) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('pigeon');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    try {
      // Messages are rows or in blocks (schema v11: one record holds a page's messages of one chat).
      const blocks = db.objectStoreNames.contains('messageBlocks');
      const stores = what === 'messages' ? ['messages', ...(blocks ? ['messageBlocks'] : [])] : what === 'owed-receipts' ? ['meta'] : ['conversations', 'users'];
      const tx = db.transaction(stores);
      const requests: IDBRequest[] =
        what === 'messages'
          ? [tx.objectStore('messages').count(), ...(blocks ? [tx.objectStore('messageBlocks').index('keys').count()] : [])]
          : what === 'owed-receipts'
            ? [tx.objectStore('meta').getAll(IDBKeyRange.bound('owed-delivered:', 'owed-delivered:\uffff'))]
            : [tx.objectStore('conversations').getAll(), tx.objectStore('users').getAllKeys()];
      const results = await Promise.all(
        requests.map(
          (r) =>
            new Promise<unknown>((res, rej) => {
              r.onsuccess = () => res(r.result);
              r.onerror = () => rej(r.error);
            }),
        ),
      );
      if (what === 'messages') return (results as number[]).reduce((a, b) => a + b, 0);
      // Each owed record holds the ids one storing transaction owes receipts for.
      if (what === 'owed-receipts') return (results[0] as { value: string[] }[]).reduce((n, r) => n + r.value.length, 0);
      const known = new Set(results[1] as IDBValidKey[]);
      return (results[0] as { peerId?: string }[]).filter((c) => c.peerId !== undefined && known.has(c.peerId)).length;
    } finally {
      db.close();
    }
  }, what);
}

/**
 * The `nth` (1-based) snapshot of mark `name`, waiting for it (polled from Node every 20 ms; the
 * time is the mark's own). Not page.waitForFunction: that loads Playwright's injected script into
 * the page (~70 ms of main thread in the traces) while the page is still starting, and that time
 * landed inside the cold open being measured. A poll is page.evaluate, which the page never runs
 * as more than a small task.
 */
export async function waitForMark(page: Page, name: string, nth = 1, timeout = 60_000): Promise<MarkSnapshot> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const found = await page
      .evaluate(
        // No probe yet: still the previous document (installMarkProbe runs before the app's scripts).
        ([n, i]) => window.__pigeonMarkProbe?.filter((s) => s.name === n)[i - 1] ?? null,
        [name, nth] as const,
      )
      .catch((e: unknown) => {
        // The document changed under the call (the navigation committing): ask the new one.
        if (/context was destroyed|navigat/i.test(String(e))) return null;
        throw e;
      });
    if (found) return found;
    if (performance.now() > deadline) throw new Error(`waitForMark: no ${name} #${nth} within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}


export interface ScrollRun {
  /** requestAnimationFrame deltas while scrolling, ms. */
  frames: number[];
  /** The start of the history was reached (the start line is shown). */
  reachedTop: boolean;
  durationMs: number;
  /** Message bubbles in the DOM at the end (a windowed list keeps this small). */
  bubbles: number;
  /** Elements inside the message list at the end. */
  elements: number;
}

/**
 * Scrolls the open chat's message list up by `stepPx` every frame, like a fast wheel, until the
 * start of the history is shown (older pages load on the way) or `timeoutMs` passes, and records
 * every frame's duration (requestAnimationFrame deltas) in the page.
 */
export async function scrollToHistoryStart(page: Page, stepPx = 100, timeoutMs = 180_000): Promise<ScrollRun> {
  // tsx (esbuild keepNames) wraps the named inner functions below in __name(), which the page lacks.
  await page.evaluate('globalThis.__name ??= (f) => f');
  return page.evaluate(
    ([step, timeout]) =>
      new Promise<ScrollRun>((resolve) => {
        const list = document.querySelector<HTMLElement>('[data-testid="message-list"]')!;
        const frames: number[] = [];
        const t0 = performance.now();
        let last = t0;
        const done = (reachedTop: boolean) =>
          resolve({
            frames,
            reachedTop,
            durationMs: performance.now() - t0,
            bubbles: list.querySelectorAll('[data-testid="message-bubble"]').length,
            elements: list.querySelectorAll('*').length,
          });
        const tick = (now: number) => {
          frames.push(now - last);
          last = now;
          if (list.scrollTop <= 0 && list.querySelector('.list__start')) return done(true);
          // A page that failed to load (a timeout on a loaded machine) offers a retry: take it, as a reader would.
          list.querySelector<HTMLButtonElement>('.list__top button')?.click();
          if (now - t0 > timeout) return done(false);
          list.scrollTop = Math.max(0, list.scrollTop - step);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame((now) => {
          last = now;
          requestAnimationFrame(tick);
        });
      }),
    [stepPx, timeoutMs] as const,
  );
}
