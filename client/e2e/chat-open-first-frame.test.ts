/**
 * What the first frame of an open chat draws (issue #20: opening a chat waits for that frame).
 *  - The message list fills from the newest message up (useVirtualList, lib/fill-pace.ts): its first
 *    task draws the rows that fill the view, pigeon:chat-rendered comes once the view is covered,
 *    and the rows beyond its edges (the overscan) follow in later tasks.
 *  - A phone opening a chat by its link does not draw the hidden conversation list; it is drawn
 *    when the reader goes back to it (MessengerPage, `listDrawn`).
 *  - A chat clicked in the list switches in with its messages: no frame shows its pane empty
 *    (MessengerPage `open` reads the first window before the switch).
 *  - A press on a chat's row starts reading it, before the click (MessengerPage `readAhead`).
 *  - A cold open goes from the splash straight to the messenger: no blank frame between them
 *    (App.vue keeps the splash until the messenger's component is in).
 */
import { describe, expect, it } from 'vitest';
import { MARK } from '../src/perf/marks.ts';
import { apiPost, dmId, PHONE, registerUser, signIn, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };

/**
 * At each pigeon:chat-rendered mark: whether the drawn rows cover the message list's view (the first
 * one starts at or above its top). And each batch of bubbles put in the DOM (a MutationObserver
 * callback: one per task that rendered rows), with the body of the newest one in it.
 */
const RECORD_BUBBLES = `
  globalThis.__bubblesAtMark = [];
  globalThis.__bubbleBatches = [];
  new MutationObserver((records) => {
    const found = new Set();
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.matches('[data-testid="message-bubble"]')) found.add(n);
      for (const b of n.querySelectorAll('[data-testid="message-bubble"]')) found.add(b);
    }
    const added = [...found];
    if (added.length) globalThis.__bubbleBatches.push({ count: added.length, bodies: added.map((b) => b.querySelector('[data-testid="message-body"]')?.textContent ?? '') });
  }).observe(document, { childList: true, subtree: true });
  const mark = performance.mark.bind(performance);
  performance.mark = (name, options) => {
    const entry = mark(name, options);
    if (name === '${MARK.chatRendered}') {
      const list = document.querySelector('[data-testid="message-list"]');
      const view = list ? list.getBoundingClientRect() : null;
      const bubbles = [...document.querySelectorAll('[data-testid="message-bubble"]')];
      const covered = !!view && bubbles.length > 0 && bubbles[0].getBoundingClientRect().top <= view.top + 1;
      globalThis.__bubblesAtMark.push({ drawn: bubbles.length, covered });
    }
    return entry;
  };
`;

/** Before every frame from now on: the chat pane is in the DOM without a single message bubble (what that frame paints). */
const RECORD_EMPTY_PANE_FRAMES = `
  globalThis.__emptyPaneFrames = 0;
  globalThis.__paneFrames = 0;
  const frame = () => {
    if (document.querySelector('[data-testid="chat-pane"]')) {
      globalThis.__paneFrames++;
      if (!document.querySelector('[data-testid="message-bubble"]')) globalThis.__emptyPaneFrames++;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
`;

/** Before every frame from the splash on: neither the splash, nor the messenger, nor the sign-in page is in the DOM. */
const RECORD_BLANK_FRAMES = `
  globalThis.__blankFrames = 0;
  globalThis.__sawSplash = false;
  const frame = () => {
    const splash = document.querySelector('.splash');
    if (splash) globalThis.__sawSplash = true;
    else if (globalThis.__sawSplash && !document.querySelector('.messenger, [data-testid="auth-username"]')) globalThis.__blankFrames++;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
`;

/** Counts, from now on, every transaction that touches the messages store (`globalThis.__messageReads`). */
const COUNT_MESSAGE_READS = `
  globalThis.__messageReads = 0;
  const objectStore = IDBTransaction.prototype.objectStore;
  IDBTransaction.prototype.objectStore = function (name) {
    if (name === 'messages') globalThis.__messageReads++;
    return objectStore.call(this, name);
  };
`;

const cluster = useBrowserCluster();

async function chatWithHistory(count: number, tag: string) {
  const readerName = uniqueName('reader');
  const [reader, peer] = await Promise.all([registerUser(cluster.server, readerName), registerUser(cluster.server, uniqueName('peer'))]);
  for (let i = 1; i <= count; i++) await apiPost(cluster.server, '/api/messages', { clientId: `${tag}-${i}`, to: reader.user.id, body: `line ${i}` }, peer.token);
  return { readerName, chatId: dmId(reader.user.id, peer.user.id) };
}

describe('The first frame of an open chat', () => {
  it('fills the view from the newest message up in its first task, marks it shown once covered, then draws the rows above', async () => {
    const { readerName, chatId } = await chatWithHistory(60, 'first-frame');
    const { page, context } = await cluster.device();
    await signIn(page, readerName);
    await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(/line 60$/);

    await context.addInitScript(RECORD_BUBBLES);
    await page.reload();
    await page.locator(`[data-testid="conversation-item"][href$="${encodeURIComponent(chatId)}"]`).click();
    await expect.poll(() => page.evaluate('globalThis.__bubblesAtMark.length'), WAIT).toBe(1);
    const [atMark] = (await page.evaluate('globalThis.__bubblesAtMark')) as Array<{ drawn: number; covered: boolean }>;
    // Marked once the view is covered, not at the first few rows.
    expect(atMark).toMatchObject({ covered: true });
    // The first task drew the rows that fill the view by their estimated heights (more than the 4 it
    // drew when the view too was split over tasks, at most fill-pace's 24), the newest among them.
    const batches = (await page.evaluate('globalThis.__bubbleBatches')) as Array<{ count: number; bodies: string[] }>;
    expect(batches[0]!.count).toBeGreaterThan(4);
    expect(batches[0]!.count).toBeLessThanOrEqual(Math.min(24, atMark!.drawn));
    expect(batches[0]!.bodies).toContain('line 60');
    // Then the overscan: rows above the view are drawn, the newest message still in view.
    const outsideNow = () =>
      page.evaluate(() => {
        const view = document.querySelector('[data-testid="message-list"]')!.getBoundingClientRect();
        return [...document.querySelectorAll('[data-testid="message-bubble"]')].filter((b) => b.getBoundingClientRect().bottom <= view.top).length;
      });
    await expect.poll(outsideNow, WAIT).toBeGreaterThan(3);
    expect(((await page.evaluate('globalThis.__bubbleBatches')) as unknown[]).length).toBeGreaterThan(1); // in tasks after the first
    await expect.poll(() => page.getByTestId('message-bubble').filter({ hasText: 'line 60' }).isVisible(), WAIT).toBe(true);
  });

  it('on a phone opened by its link, draws the conversation list only once it shows', async () => {
    const { readerName, chatId } = await chatWithHistory(3, 'phone-link');
    const { page, context } = await cluster.device({ viewport: PHONE });
    await signIn(page, readerName);
    await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(/line 3$/);

    const tab = await context.newPage();
    await page.close();
    await tab.goto(`/#/c/${encodeURIComponent(chatId)}`);
    await expect.poll(() => tab.getByTestId('message-bubble').filter({ hasText: 'line 3' }).isVisible(), WAIT).toBe(true);
    expect(await tab.getByTestId('conversation-item').count()).toBe(0);

    // Back to the list: drawn now, and kept (v-show) when a chat covers it again.
    await tab.keyboard.press('Escape');
    await expect.poll(() => tab.getByTestId('conversation-item').count(), WAIT).toBe(1);
    await tab.getByTestId('conversation-item').click();
    await expect.poll(() => tab.getByTestId('message-bubble').filter({ hasText: 'line 3' }).isVisible(), WAIT).toBe(true);
    expect(await tab.getByTestId('conversation-item').count()).toBe(1);
  });

  it('switches a clicked chat in with its messages: no frame shows its pane empty', async () => {
    const { readerName, chatId } = await chatWithHistory(40, 'no-empty-pane');
    const { page } = await cluster.device();
    await signIn(page, readerName);
    await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(/line 40$/);
    await page.reload(); // a cold open: nothing of the chat read yet
    await page.getByTestId('conversation-item').first().waitFor();
    await page.evaluate(RECORD_EMPTY_PANE_FRAMES);
    await page.locator(`[data-testid="conversation-item"][href$="${encodeURIComponent(chatId)}"]`).click();
    await expect.poll(() => page.getByTestId('message-bubble').filter({ hasText: 'line 40' }).isVisible(), WAIT).toBe(true);
    await page.waitForTimeout(300);
    expect(await page.evaluate('globalThis.__paneFrames')).toBeGreaterThan(0); // the probe saw the pane
    expect(await page.evaluate('globalThis.__emptyPaneFrames')).toBe(0);
  });

  it('starts reading a chat when its row is pressed (mouse, finger), before the click', async () => {
    const { readerName, chatId } = await chatWithHistory(5, 'press-read');
    const { page } = await cluster.device();
    await signIn(page, readerName);
    await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(/line 5$/);
    await page.reload(); // nothing of the chat read yet
    const row = page.locator(`[data-testid="conversation-item"][href$="${encodeURIComponent(chatId)}"]`);
    await row.waitFor();
    await page.evaluate(COUNT_MESSAGE_READS);
    await page.waitForTimeout(500);
    const quiet = (await page.evaluate('globalThis.__messageReads')) as number;
    const box = (await row.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await expect.poll(() => page.evaluate('globalThis.__messageReads'), WAIT).toBeGreaterThan(quiet);
    expect(await page.evaluate(() => location.hash)).not.toContain('/c/'); // still pressed: not opened
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('message-bubble').filter({ hasText: 'line 5' }).isVisible(), WAIT).toBe(true);

    // A finger: the read comes once the touch has lasted a moment (lib/press-read-ahead.ts), still before the tap ends.
    // Back to the list, in a fresh page (nothing of the chat read; the open chat's own row reads nothing).
    await page.evaluate(() => history.replaceState(null, '', '#/'));
    await page.reload();
    await row.waitFor();
    expect(await page.evaluate(() => location.hash)).not.toContain('/c/');
    await page.evaluate(COUNT_MESSAGE_READS);
    await page.waitForTimeout(500);
    const quietAgain = (await page.evaluate('globalThis.__messageReads')) as number;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    const at = (await row.boundingBox())!;
    const point = { x: at.x + at.width / 2, y: at.y + at.height / 2 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
    await expect.poll(() => page.evaluate('globalThis.__messageReads'), WAIT).toBeGreaterThan(quietAgain);
    expect(await page.evaluate(() => location.hash)).not.toContain('/c/'); // still touching: not opened
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(() => page.getByTestId('message-bubble').filter({ hasText: 'line 5' }).isVisible(), WAIT).toBe(true);
  });

  it('goes from the splash straight to the conversation list on a cold open: no blank frame', async () => {
    const { readerName } = await chatWithHistory(3, 'no-blank');
    const { page, context } = await cluster.device();
    await signIn(page, readerName);
    await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(/line 3$/);
    await page.evaluate(async () => void (await navigator.serviceWorker.ready));
    await context.addInitScript(RECORD_BLANK_FRAMES);
    await context.setOffline(true); // the installed app's cold open: from the service worker
    await page.reload();
    await page.getByTestId('conversation-item').first().waitFor();
    await page.waitForTimeout(200);
    expect(await page.evaluate('globalThis.__sawSplash')).toBe(true);
    expect(await page.evaluate('globalThis.__blankFrames')).toBe(0);
  });
});
