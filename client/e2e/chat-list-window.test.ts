/**
 * The chat list draws only the rows in view (issue #20; ConversationRows.vue, useRowWindow.ts):
 * with 40 chats on a phone, a screenful of rows is in the DOM, each saying where it sits in the
 * whole list, and yet every chat is reachable: by scrolling (the oldest at the bottom; Esc from
 * its chat comes back to its row), by Tab from row to row past the first screenful, and a chat far
 * down that gets a message comes up to the top. `PIGEON_E2E_SHOTS=<dir>` saves chat-list-window-{top,bottom}.png.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PHONE, signIn, uniqueName, useBrowserCluster, type ApiAuth } from './harness.ts';
import { apiSend, register, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();
const CHATS = 40;

const items = (page: Page) => page.getByTestId('conversation-item');
const frames = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Where the list's scroller is, and the drawn rows: their position in the list, top and bottom. */
function layout(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector('[data-testid="conversation-list"]')!;
    const view = list.parentElement!.getBoundingClientRect();
    const rows = [...list.children].map((li) => {
      const box = li.getBoundingClientRect();
      return { pos: Number(li.getAttribute('aria-posinset')), size: Number(li.getAttribute('aria-setsize')), top: box.top, bottom: box.bottom };
    });
    return { viewTop: view.top, viewBottom: view.bottom, rows };
  });
}

describe('Chat list with many chats', () => {
  let ann: ApiAuth;
  let annName: string;
  const peers: { name: string; auth: ApiAuth }[] = [];

  beforeAll(async () => {
    annName = uniqueName('ann');
    ann = await register(cluster.server, annName, 'Ann Lee');
    for (let i = 0; i < CHATS; i++) {
      const name = uniqueName(`p${i}`);
      const auth = await register(cluster.server, name, `Peer ${String(i).padStart(2, '0')}`);
      peers.push({ name, auth });
      await apiSend(cluster.server, auth, ann, `hello ${i}`); // the last one sent is the newest: Peer 39 on top
    }
  }, 120_000);

  it('draws a screenful of rows, the view covered, each row numbered in the whole list; the rest by scrolling', async () => {
    const { page } = await cluster.device({ viewport: PHONE, serviceWorkers: 'block' });
    await signIn(page, annName);
    await expect.poll(() => items(page).first().getAttribute('data-peer-username'), WAIT).toBe(peers[CHATS - 1]!.name);

    const top = await layout(page);
    expect(top.rows.length).toBeLessThan(CHATS / 2);
    expect(top.rows.every((r) => r.size === CHATS)).toBe(true);
    expect(top.rows.map((r) => r.pos)).toEqual(top.rows.map((_, i) => i + 1));
    expect(top.rows.at(-1)!.bottom).toBeGreaterThanOrEqual(top.viewBottom); // no blank under the last drawn row
    await shot(page, 'chat-list-window-top');

    await page.getByTestId('conversation-list').evaluate((list) => list.parentElement!.scrollTo({ top: 1e6 }));
    await expect.poll(async () => (await layout(page)).rows.at(-1)?.pos, WAIT).toBe(CHATS);
    const bottom = await layout(page);
    expect(bottom.rows[0]!.top).toBeLessThanOrEqual(bottom.viewTop); // no blank above the first drawn row
    const oldest = page.locator(`[data-testid="conversation-item"][data-peer-username="${peers[0]!.name}"]`);
    expect(await oldest.innerText()).toContain('hello 0');
    expect(await oldest.isVisible()).toBe(true);
    await shot(page, 'chat-list-window-bottom');
    await oldest.click();
    await expect.poll(() => page.getByTestId('chat-pane').getAttribute('data-conversation-id'), WAIT).toBeTruthy();
    // The list was hidden while the chat was open (one pane on a phone): Esc comes back to the same place,
    // the focus on the row the chat was opened from.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-peer-username')), WAIT).toBe(peers[0]!.name);
    expect(await oldest.isVisible()).toBe(true);
  });

  it('Tab goes from row to row past the first screenful', async () => {
    const { page } = await cluster.device({ viewport: PHONE, serviceWorkers: 'block' });
    await signIn(page, annName);
    await expect.poll(() => items(page).count(), WAIT).toBeGreaterThan(0);
    const drawnAtFirst = await items(page).count();
    await items(page).first().focus();
    for (let i = 1; i < drawnAtFirst + 10; i++) {
      await page.keyboard.press('Tab');
      await frames(page); // a person's key presses are frames apart
    }
    const focused = await page.evaluate(() => {
      const a = document.activeElement;
      return { testid: a?.getAttribute('data-testid'), pos: Number(a?.closest('li')?.getAttribute('aria-posinset')) };
    });
    expect(focused).toEqual({ testid: 'conversation-item', pos: drawnAtFirst + 10 });
  });

  it('a chat far down that gets a message comes up to the top', async () => {
    const { page } = await cluster.device({ viewport: PHONE, serviceWorkers: 'block' });
    await signIn(page, annName);
    await expect.poll(() => items(page).count(), WAIT).toBeGreaterThan(0);
    const far = peers[1]!;
    expect(await page.locator(`[data-testid="conversation-item"][data-peer-username="${far.name}"]`).count()).toBe(0); // not drawn
    await apiSend(cluster.server, far.auth, ann, 'back from far away');
    await expect.poll(() => items(page).first().getAttribute('data-peer-username'), WAIT).toBe(far.name);
    expect(await items(page).first().innerText()).toContain('back from far away');
    const { rows } = await layout(page);
    expect(rows.map((r) => r.pos)).toEqual(rows.map((_, i) => i + 1));
  });
});
