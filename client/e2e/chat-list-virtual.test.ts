/**
 * The chat message list with a long history (issue #19 items 1, 2 and 7): only the bubbles in
 * view (plus a small overscan) are in the DOM whatever the history's length, the reader's place is
 * kept when an older page is prepended, "Jump to newest" appears with a count of messages that
 * arrived while scrolled up, and the start-of-history line keeps its natural height.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiPost, bubbles, countLocalRows, DESKTOP, PASSWORD, PHONE, signIn, uniqueName, useBrowserCluster, type ApiAuth } from './harness.ts';

const WAIT = { timeout: 30_000, interval: 100 };
const HISTORY = 1_000;
const cluster = useBrowserCluster();

let readerName = '';
let writerName = '';
let writer: ApiAuth;
let reader: ApiAuth;

/** Server ids of the seeded messages, by number ("message 300" → its id); their count is how many were sent. */
const ids = new Map<number, string>();

/** Sends `count` messages from `from` to `to` through the REST API, a few at a time. */
/**
 * Sends `count` messages, `batch` at a time in parallel: the server may number the messages of one
 * batch in any order, so a test that names the newest one sends with batch 1.
 */
async function seed(from: ApiAuth, to: string, count: number, prefix: string, first = 1, batch = 25): Promise<void> {
  for (let i = first; i < first + count; i += batch) {
    const n = Math.min(batch, first + count - i);
    await Promise.all(
      Array.from({ length: n }, async (_, k) => {
        const sent = await apiPost<{ message: { id: string } }>(cluster.server, '/api/messages', { clientId: `${prefix}-${i + k}`, to, body: `message ${i + k}` }, from.token);
        ids.set(i + k, sent.message.id);
      }),
    );
  }
}

async function openHistory(viewport?: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const { page } = await cluster.device(viewport ? { viewport, colorScheme } : { colorScheme });
  await signIn(page, readerName);
  // The first sync brings the whole history into IndexedDB: wait for it, so that scrolling up pages
  // through local history as on a device in use (not through a catch-up still writing).
  // (Every message sent so far and the conversation: later tests add a few after the first 1,000.)
  const sent = ids.size;
  await expect.poll(async () => (await countLocalRows(page)).rows >= sent + 1, { timeout: 120_000, interval: 250 }).toBe(true);
  await page.locator(`[data-testid="conversation-item"][data-peer-username="${writerName}"]`).click();
  await page.getByTestId('chat-pane').waitFor(WAIT);
  // The newest message (later tests add a few after message 1,000).
  await expect.poll(async () => Number(/message (\d+)/.exec(await bubbles(page).last().innerText())?.[1]), WAIT).toBeGreaterThanOrEqual(HISTORY);
  return page;
}

/** Scrolls to the top again and again until the start of the history is announced. */
async function scrollToStart(page: Page): Promise<void> {
  const list = page.getByTestId('message-list');
  const start = page.getByText('This is the start of your conversation with Wendy.');
  await expect
    .poll(
      async () => {
        // A page that failed to load (a timeout on a loaded machine) offers a retry: take it, as a reader would.
        await list.evaluate((el) => {
          el.querySelector<HTMLButtonElement>('.list__top button')?.click();
          el.scrollTo({ top: 0 });
        });
        return start.isVisible();
      },
      { timeout: 150_000, interval: 150 },
    )
    .toBe(true);
}

describe('Chat message list with a long history', () => {
  beforeAll(async () => {
    readerName = uniqueName('rita');
    writerName = uniqueName('wendy');
    reader = await apiPost<ApiAuth>(cluster.server, '/api/auth/register', { username: readerName, password: PASSWORD, displayName: 'Rita' });
    writer = await apiPost<ApiAuth>(cluster.server, '/api/auth/register', { username: writerName, password: PASSWORD, displayName: 'Wendy' });
    const t0 = performance.now();
    await seed(writer, reader.user.id, HISTORY, writerName);
    console.log(`[chat-list] ${HISTORY} messages sent through the API in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 300_000);

  it('keeps a bounded number of bubbles in the DOM, scrolled to the top of 1,000 messages', async () => {
    const page = await openHistory();
    await scrollToStart(page);
    // The oldest message is drawn at the top, and only a window of bubbles exists.
    // The first batch of 25 was sent at once: any of them may be the oldest.
    await expect.poll(async () => Number(/^message (\d+)$/.exec(await page.getByTestId('message-body').first().innerText())?.[1]), WAIT).toBeLessThanOrEqual(25);
    const counts = await page.getByTestId('message-list').evaluate((el) => ({
      bubbles: el.querySelectorAll('[data-testid="message-bubble"]').length,
      elements: el.querySelectorAll('*').length,
    }));
    expect(counts.bubbles).toBeLessThan(80);
    expect(counts.elements).toBeLessThan(1_200);
  }, 180_000);

  it('keeps the start-of-history line at its natural height in a scrollable chat', async () => {
    const page = await openHistory();
    await scrollToStart(page);
    const measure = () =>
      page.locator('.list__top').evaluate((top) => {
        const cs = getComputedStyle(top);
        const inner = top.firstElementChild as HTMLElement;
        return {
          height: top.getBoundingClientRect().height,
          content: inner.getBoundingClientRect().height + parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom),
        };
      });
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      await page.getByTestId('message-list').evaluate((el) => el.scrollTo({ top: 0 }));
      const sizes = await measure();
      expect(sizes.content).toBeGreaterThan(20);
      expect(Math.abs(sizes.height - sizes.content)).toBeLessThanOrEqual(1);
    }
  }, 180_000);

  it('keeps the bubble under the reader in place when an older page is prepended', async () => {
    const page = await openHistory();
    // Jump to the top in one step and note where the first bubble in view sits; once an older page
    // has been prepended (the first bubble in the DOM changes), it must still sit there.
    const moved = await page.getByTestId('message-list').evaluate(async (list) => {
      const inView = () => {
        const top = list.getBoundingClientRect().top;
        return [...list.querySelectorAll<HTMLElement>('[data-testid="message-bubble"]')].find((b) => b.getBoundingClientRect().bottom > top + 1)!;
      };
      const results: number[] = [];
      for (let round = 0; round < 3; round++) {
        list.scrollTop = 0;
        await new Promise((r) => requestAnimationFrame(r));
        const target = inView();
        const key = target.dataset.key!;
        const before = target.getBoundingClientRect().top;
        const firstKey = list.querySelector<HTMLElement>('[data-testid="message-bubble"]')!.dataset.key;
        // Wait for the older page (the oldest message's key changes: a page was prepended).
        const oldest = () => list.querySelector<HTMLElement>('[data-testid="message-bubble"]')?.dataset.key;
        const t0 = performance.now();
        while (performance.now() - t0 < 10_000) {
          await new Promise((r) => requestAnimationFrame(r));
          const el = list.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
          if (oldest() !== firstKey || (el && el.getBoundingClientRect().top !== before)) break;
        }
        // Two more frames: late corrections (photos, measurements) must not move it either.
        await new Promise((r) => requestAnimationFrame(r));
        await new Promise((r) => requestAnimationFrame(r));
        const el = list.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
        results.push(el ? el.getBoundingClientRect().top - before : Number.POSITIVE_INFINITY);
      }
      return results;
    });
    for (const delta of moved) expect(Math.abs(delta)).toBeLessThanOrEqual(2);
  }, 120_000);

  it('opens at a message far up the history (a link): its row is drawn, scrolled into view, focused and highlighted', async () => {
    const page = await openHistory();
    const target = ids.get(300)!;
    const href = await page.locator(`[data-testid="conversation-item"][data-peer-username="${writerName}"]`).getAttribute('href');
    await page.evaluate((hash) => (location.hash = hash), `${href}/m/${encodeURIComponent(target)}`);
    const bubble = page.locator(`[data-testid="message-bubble"][data-message-id="${target}"]`);
    await bubble.waitFor(WAIT);
    await expect.poll(() => bubble.getAttribute('class'), WAIT).toMatch(/bubble--highlight/);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.messageId)).toBe(target);
    const inView = await bubble.evaluate((b) => {
      const l = b.closest('[data-testid="message-list"]')!.getBoundingClientRect();
      const r = b.getBoundingClientRect();
      return r.top >= l.top - 1 && r.bottom <= l.bottom + 1;
    });
    expect(inView).toBe(true);
    // 700 messages down from the newest: the loaded window widened to it, the DOM stayed a window.
    expect(Number(await bubble.getAttribute('aria-setsize'))).toBeGreaterThan(700);
    expect(await bubbles(page).count()).toBeLessThan(80);
    // It stays there (the list does not snap back to the bottom), and "Jump to newest" is offered.
    await page.getByRole('button', { name: /Jump to newest/ }).waitFor(WAIT);
    expect(await bubble.isVisible()).toBe(true);
    // Its day's divider (all were sent today) is far above: the day floats over the top of the list.
    await expect.poll(() => page.getByTestId('floating-day').innerText(), WAIT).toBe('Today');
  }, 120_000);

  it('offers "Jump to newest" with the count of messages that arrived while scrolled up', async () => {
    const page = await openHistory();
    const list = page.getByTestId('message-list');
    const jump = page.getByRole('button', { name: /Jump to newest/ });
    expect(await jump.count()).toBe(0);
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight / 3 }));
    await jump.waitFor(WAIT);
    // One at a time: the last one sent is the newest (the assertion below names it).
    await seed(writer, reader.user.id, 3, `${writerName}-late`, HISTORY + 1, 1);
    await page.getByRole('button', { name: /Jump to newest.*3 new messages/ }).waitFor(WAIT);
    expect(await page.getByTestId('jump-to-newest-count').innerText()).toBe('3');
    await jump.click();
    await expect.poll(() => jump.count(), WAIT).toBe(0);
    const last = bubbles(page).last();
    expect(await last.innerText()).toContain(`message ${HISTORY + 3}`);
    const inView = await last.evaluate((b) => {
      const l = b.closest('[data-testid="message-list"]')!.getBoundingClientRect();
      const r = b.getBoundingClientRect();
      return r.top >= l.top - 1 && r.bottom <= l.bottom + 1;
    });
    expect(inView).toBe(true);
  }, 120_000);

  // Screenshots for review (PIGEON_SHOTS=<dir>): phone and desktop, light and dark, scrolled up with "Jump to newest".
  it.skipIf(!process.env.PIGEON_SHOTS)('screenshots: scrolled up with "Jump to newest"', async () => {
    const dir = process.env.PIGEON_SHOTS!;
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const page = await openHistory(viewport, colorScheme);
        await page.getByTestId('message-list').evaluate((el) => el.scrollTo({ top: el.scrollHeight - el.clientHeight * 2.5 }));
        await page.getByRole('button', { name: /Jump to newest/ }).waitFor(WAIT);
        await seed(writer, reader.user.id, 2, `${writerName}-shot-${name}-${colorScheme}`, Math.max(...ids.keys()) + 1);
        await page.getByRole('button', { name: /2 new messages/ }).waitFor(WAIT);
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${dir}/list-${name}-${colorScheme}.png` });
        await scrollToStart(page);
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${dir}/list-top-${name}-${colorScheme}.png` });
      }
    }
  }, 300_000);
});
