/**
 * A probe for the app's User Timing marks (client/src/perf/marks.ts), shared by the e2e test of
 * the marks and the client benchmark (bench/figures/client.ts): it wraps performance.mark before
 * the app loads, so each `pigeon:*` mark records what the page showed at that instant.
 */
import type { BrowserContext, Page } from 'playwright-core';

/**
 * What the page showed at the instant a `pigeon:*` User Timing mark was made (see
 * client/src/perf/marks.ts). The app's marks are the timings; these snapshots are the check that
 * a mark did not fire before the elements it stands for were in the DOM.
 */
export interface MarkSnapshot {
  name: string;
  startTime: number;
  detail: unknown;
  /** `conversation-item` rows in the DOM (the list draws the rows in view: ConversationRows.vue). */
  conversationItems: number;
  /** The whole chat list's length, as its drawn rows say (aria-setsize); 0 with no row drawn. */
  conversationTotal: number;
  /** The drawn rows reach the bottom of the list's view, or the list's last row is drawn: no blank where rows belong. */
  conversationViewCovered: boolean;
  /** `data-conversation-id` of the chat pane, if one is open. */
  chatId: string | null;
  /** Text of the last `message-body` (the newest message) and whether it is inside the message list's viewport. */
  lastBody: string | null;
  lastBodyVisible: boolean;
  /** The message list's drawn rows reach the top of its view, or its first row is drawn: no blank above the messages. */
  chatViewCovered: boolean;
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
        // The list snapshot (boot/paint-list-snapshot.ts) renames its test ids: it stands for the list until the app draws one.
        const rows = document.querySelector('[data-testid="conversation-list"]') ?? document.querySelector('.list-snapshot [data-snapshot-testid="conversation-list"]');
        const lastRow = rows?.lastElementChild;
        const conversationTotal = Number(lastRow?.getAttribute('aria-setsize') ?? 0);
        const conversationViewCovered =
          !!lastRow &&
          (Number(lastRow.getAttribute('aria-posinset')) === conversationTotal ||
            lastRow.getBoundingClientRect().bottom >= rows!.parentElement!.getBoundingClientRect().bottom - 1);
        const firstRow = list?.querySelector('.list__rows > [data-row-key]');
        const chatViewCovered =
          !!firstRow && (firstRow.getAttribute('aria-posinset') === '1' || firstRow.getBoundingClientRect().top <= list!.getBoundingClientRect().top + 1);
        snapshots.push({
          name,
          startTime: entry.startTime,
          detail: entry.detail,
          conversationItems:
            document.querySelectorAll('[data-testid="conversation-item"]').length ||
            document.querySelectorAll('.list-snapshot [data-snapshot-testid="conversation-item"]').length,
          conversationTotal,
          conversationViewCovered,
          chatId: document.querySelector('[data-testid="chat-pane"]')?.getAttribute('data-conversation-id') ?? null,
          lastBody: last?.textContent ?? null,
          lastBodyVisible,
          chatViewCovered,
        });
      }
      return entry;
    };
  });
}

/** Every snapshot of this page so far. */
export function markSnapshots(page: Page): Promise<MarkSnapshot[]> {
  return page.evaluate(() => window.__pigeonMarkProbe ?? []);
}

/** Durations of the performance.measure entries called `name`, oldest first. */
export function measures(page: Page, name: string): Promise<number[]> {
  return page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((e) => e.duration), name);
}
