/**
 * Headless Debian Chromium through playwright-core (never downloads a browser), and
 * an offline switch: context.setOffline() does not cut open WebSockets, so socket.io
 * WebSockets are routed through Playwright and refused while offline.
 */
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';

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
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('pigeon');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    try {
      return await new Promise<number>((res, rej) => {
        const r = db.transaction('messages').objectStore('messages').count();
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
    } finally {
      db.close();
    }
  });
}

/**
 * What the page showed at the instant a `pigeon:*` User Timing mark was made (see
 * client/src/perf/marks.ts). The app's marks are the timings; these snapshots are the check that
 * a mark did not fire before the elements it stands for were in the DOM.
 */
export interface MarkSnapshot {
  name: string;
  startTime: number;
  detail: unknown;
  /** `conversation-item` rows in the DOM. */
  conversationItems: number;
  /** `data-conversation-id` of the chat pane, if one is open. */
  chatId: string | null;
  /** Text of the last `message-body` (the newest message) and whether it is inside the message list's viewport. */
  lastBody: string | null;
  lastBodyVisible: boolean;
}

declare global {
  interface Window {
    __pigeonMarkProbe?: MarkSnapshot[];
  }
}

/**
 * For every page of `context` opened from now on, wraps performance.mark so each `pigeon:*` mark
 * records a MarkSnapshot synchronously, before the app's next line runs. Costs a few
 * querySelectorAll calls per mark; nothing per frame (unlike a requestAnimationFrame poll).
 */
export async function installMarkProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const snapshots: MarkSnapshot[] = [];
    window.__pigeonMarkProbe = snapshots;
    const mark = performance.mark.bind(performance);
    performance.mark = (name: string, options?: PerformanceMarkOptions) => {
      const entry = mark(name, options);
      if (name.startsWith('pigeon:')) {
        const bodies = document.querySelectorAll('[data-testid="message-body"]');
        const last = bodies[bodies.length - 1];
        const list = document.querySelector('[data-testid="message-list"]');
        let lastBodyVisible = false;
        if (last && list) {
          const b = last.getBoundingClientRect();
          const l = list.getBoundingClientRect();
          lastBodyVisible = b.height > 0 && b.top >= l.top - 1 && b.bottom <= l.bottom + 1;
        }
        snapshots.push({
          name,
          startTime: entry.startTime,
          detail: entry.detail,
          conversationItems: document.querySelectorAll('[data-testid="conversation-item"]').length,
          chatId: document.querySelector('[data-testid="chat-pane"]')?.getAttribute('data-conversation-id') ?? null,
          lastBody: last?.textContent ?? null,
          lastBodyVisible,
        });
      }
      return entry;
    };
  });
}

/** The `nth` (1-based) snapshot of mark `name`, waiting for it (polled every 20 ms; the time is the mark's own). */
export async function waitForMark(page: Page, name: string, nth = 1, timeout = 60_000): Promise<MarkSnapshot> {
  const handle = await page.waitForFunction(
    ([n, i]) => {
      // No probe yet: still the previous document (installMarkProbe runs before the app's scripts).
      return window.__pigeonMarkProbe?.filter((s) => s.name === n)[i - 1] ?? false;
    },
    [name, nth] as const,
    { polling: 20, timeout },
  );
  return (await handle.jsonValue()) as MarkSnapshot;
}

/** Every snapshot of this page so far. */
export function markSnapshots(page: Page): Promise<MarkSnapshot[]> {
  return page.evaluate(() => window.__pigeonMarkProbe ?? []);
}

/** Durations of the performance.measure entries called `name`, oldest first. */
export function measures(page: Page, name: string): Promise<number[]> {
  return page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((e) => e.duration), name);
}
