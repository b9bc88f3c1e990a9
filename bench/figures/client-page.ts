/**
 * Figure 5's page-level steps (client.ts runs them): one measured cold open and chat open, the wait
 * for the list snapshot an earlier session keeps, and how the runs' list sources are reported.
 */
import type { Page } from 'playwright-core';
import { SNAPSHOT_KEY } from '../../client/src/boot/list-snapshot.ts';
import { MARK, MEASURE, type ChatMarkDetail, type ListMarkDetail } from '../../client/src/perf/marks.ts';
import { markSnapshots, measures, waitForMark, type MarkSnapshot } from '../lib/browser.ts';
import { fail } from '../lib/integrity.ts';

/** Navigations per profile, after the measured ones, with the list snapshot removed (the list from IndexedDB). */
export const DATABASE_RUNS = 3;

/**
 * How long after the live list the chat is clicked in the runs that report `open`: a person's first
 * tap (seeing the list, finding the chat, reaching it) comes later than that. Clicked at once, the
 * open shares the machine with what the page load set going (on these 2 cores: V8's compiler and
 * GC threads, raster, the browser's IndexedDB work), whose share of it falls to nothing by ≈ 400 ms
 * (traced: the page's main thread itself runs ≈ 20 ms of small tasks in that second). Both are
 * reported; the runs alternate.
 */
export const OPEN_SETTLE_MS = 1000;

/** Whether the page's list snapshot holds `conversations` conversations within `ms`. */
export async function waitForListSnapshot(page: Page, conversations: number, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const n = await page.evaluate((key) => (JSON.parse(localStorage.getItem(key) ?? 'null') as { conversations?: number } | null)?.conversations ?? 0, SNAPSHOT_KEY);
    if (n === conversations) return true;
    await page.waitForTimeout(250);
  }
  return false;
}

/** `['snapshot', 'snapshot', 'first-paint']` → `snapshot ×2, first-paint ×1`. */
export function countOf(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} ×${n}`).join(', ') || 'none';
}

/**
 * One cold open of `url` in `page` (a fresh tab, the network off) and one chat opened from the
 * messenger's list: the navigation → list and → live list measures, the first contentful paint, the
 * click → chat rendered measure, and what drew the list. Fails the run when a mark came before what it
 * names was in the DOM, came twice, or named another chat.
 */
export async function measureOnce(
  page: Page,
  url: string,
  conversations: number,
  conversationId: string,
  lastBody: string,
  settleMs = 0,
): Promise<{ list: number; live: number; fcp: number; open: number; source: string }> {
  const problem = (what: string) => fail('client', `${what} (conversation ${conversationId})`);
  await page.goto(url, { waitUntil: 'commit' });
  // The list draws the rows in view: each mark must find all the chats counted (the rows' aria-setsize)
  // and the list's view covered by drawn rows.
  const unfilled = (s: MarkSnapshot) => s.conversationTotal !== conversations || !s.conversationViewCovered;
  const rows = (s: MarkSnapshot) => `${s.conversationItems} rows drawn of ${s.conversationTotal}, view ${s.conversationViewCovered ? '' : 'not '}covered; ${conversations} chats`;
  const listed = await waitForMark(page, MARK.listRendered);
  if (unfilled(listed)) problem(`${MARK.listRendered} with ${rows(listed)}`);
  // The click is on the messenger's own list: "open" is a chat opening in the running app, not one
  // asked for from the cached list's first paint while the engine still loads.
  const live = await waitForMark(page, MARK.listLive);
  if (unfilled(live)) problem(`${MARK.listLive} with ${rows(live)}`);
  const [list = NaN] = await measures(page, MEASURE.navigationToList);
  const [liveAt = NaN] = await measures(page, MEASURE.navigationToLiveList);
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  if (settleMs > 0) await page.waitForTimeout(settleMs);
  const clickAt = await page.evaluate((href) => {
    const a = [...document.querySelectorAll<HTMLAnchorElement>('[data-testid="conversation-item"]')].find((el) => el.getAttribute('href')?.endsWith(href));
    if (!a) throw new Error(`no conversation item links to ${href}`);
    const t = performance.now();
    a.click();
    return t;
  }, encodeURIComponent(conversationId));
  const shown = await waitForMark(page, MARK.chatRendered);
  const [open = NaN] = await measures(page, MEASURE.chatOpenToRendered);

  const all = await markSnapshots(page);
  const opened = all.filter((s) => s.name === MARK.chatOpen);
  const count = (name: string) => all.filter((s) => s.name === name).length;
  if (count(MARK.listRendered) !== 1) problem(`${MARK.listRendered} made ${count(MARK.listRendered)} times in one page load`);
  if (opened.length !== 1 || count(MARK.chatRendered) !== 1) problem(`one click gave ${opened.length} ${MARK.chatOpen} and ${count(MARK.chatRendered)} ${MARK.chatRendered}`);
  const open1 = opened[0];
  if (!open1 || open1.startTime < clickAt || (open1.detail as ChatMarkDetail | null)?.conversationId !== conversationId)
    problem(`${MARK.chatOpen} not made by the click (${JSON.stringify(open1 ?? null)}, click at ${clickAt.toFixed(1)} ms)`);
  if (shown.chatId !== conversationId || shown.lastBody !== lastBody || !shown.lastBodyVisible)
    problem(`${MARK.chatRendered} while the DOM showed chat ${shown.chatId} ending with ${JSON.stringify(shown.lastBody)} (${shown.lastBodyVisible ? 'in view' : 'not in view'}), not ${JSON.stringify(lastBody)}`);
  // The window fills over a few tasks (useVirtualList): the mark must wait for the view to be covered.
  if (!shown.chatViewCovered) problem(`${MARK.chatRendered} before the drawn messages covered the view`);
  if (!(list > 0) || !(liveAt >= list) || !(open > 0)) problem(`measures missing or out of order: navigation → list ${list}, → live list ${liveAt}, open → rendered ${open}`);
  const source = String((all.find((m) => m.name === MARK.listRendered)?.detail as ListMarkDetail | null)?.source ?? 'unknown');
  return { list, live: liveAt, fcp, open, source };
}
