/**
 * Opening a chat by its link (a reload, a notification, the home-screen icon) must not move what
 * is already drawn: Lighthouse's open-chat run (bench figure 12) measured a cumulative layout
 * shift of 0.6 there, all of it the message list's content growing from an empty box at the bottom
 * to the rows the moment the first read answered. The page's own layout-shift entries are summed
 * here, on a phone at 4× CPU (as Lighthouse's mobile run), where that first read answers frames
 * after the chat was first drawn.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiPost, dmId, registerUser, signIn, uniqueName, useBrowserCluster } from './harness.ts';

const PHONE = { width: 412, height: 823 };
const WAIT = { timeout: 20_000, interval: 100 };

/** Records every layout shift of the page from its first frame (before the app's scripts run). */
const RECORD_SHIFTS = `
  globalThis.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const sources = (e.sources || []).map((s) => (s.node && s.node.nodeType === 1 ? s.node.className || s.node.tagName : '#text'));
      globalThis.__shifts.push({ value: e.value, recentInput: e.hadRecentInput, sources });
    }
  }).observe({ type: 'layout-shift', buffered: true });
`;

const cluster = useBrowserCluster();

type Shift = { value: number; recentInput: boolean; sources: string[] };

/**
 * Signs a reader with 60 messages in, then opens their chat by its link in a new tab on a phone
 * at 4x CPU, with `beforeOpen` applied to the new tab first; the page's shifts until 1 s after
 * the newest message shows (late shifts, the header's name and the ticks, count too).
 */
async function openChatByLink(beforeOpen: (tab: Page) => Promise<void>): Promise<{ tab: Page; shifts: Shift[] }> {
  const readerName = uniqueName('reader');
  const [reader, peer] = await Promise.all([registerUser(cluster.server, readerName), registerUser(cluster.server, uniqueName('peer'))]);
  for (let i = 1; i <= 60; i++) await apiPost(cluster.server, '/api/messages', { clientId: `layout-shift-${i}`, to: reader.user.id, body: `line ${i}` }, peer.token);
  const chatId = dmId(reader.user.id, peer.user.id);

  const { page, context } = await cluster.device({ viewport: PHONE });
  await signIn(page, readerName);
  await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(/line 60$/);

  // A new tab on the link (the data is in IndexedDB), the first one closed.
  await context.addInitScript(RECORD_SHIFTS);
  const tab = await context.newPage();
  await page.close();
  await beforeOpen(tab);
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await tab.goto(`/#/c/${encodeURIComponent(chatId)}`);
  const newest = tab.getByTestId('message-bubble').filter({ hasText: 'line 60' });
  await expect.poll(() => newest.isVisible(), WAIT).toBe(true);
  await tab.waitForTimeout(1_000);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  return { tab, shifts: (await tab.evaluate('globalThis.__shifts')) as Shift[] };
}

const total = (shifts: Shift[]) => shifts.filter((s) => !s.recentInput).reduce((sum, s) => sum + s.value, 0);

describe('Opening a chat by its link', () => {
  it('draws its messages without shifting the page (cumulative layout shift under 0.05)', async () => {
    const { shifts } = await openChatByLink(async () => {});
    expect(total(shifts), JSON.stringify(shifts)).toBeLessThan(0.05);
  });

  it('shows a slow connection without moving the chat (the "Connecting" bar floats)', async () => {
    // The socket is held past the banner's 2 s grace, then let through to the server.
    let held = 0;
    const { tab, shifts } = await openChatByLink((tab) =>
      tab.routeWebSocket(/\/socket\.io\//, (ws) => {
        held++;
        setTimeout(() => ws.connectToServer(), 4_000);
      }),
    );
    const banner = tab.getByTestId('connection-banner');
    // Shown (past its grace: a quiet bar is 1 px), saying so.
    const shown = async () => ((await banner.boundingBox())?.height ?? 0) > 10 && (await banner.innerText()).startsWith('Connecting');
    await expect.poll(shown, WAIT).toBe(true);
    await expect.poll(() => banner.getAttribute('data-state'), WAIT).toBe('online');
    await tab.waitForTimeout(500);
    const all = [...shifts, ...((await tab.evaluate('globalThis.__shifts')) as Shift[]).slice(shifts.length)];
    expect(held).toBeGreaterThan(0);
    expect(total(all), JSON.stringify(all)).toBeLessThan(0.05);
  });
});
