/**
 * Helpers of the message-action e2e files (actions*.test.ts): finding a bubble by its text and
 * opening its menu the three ways a user does (right click, "More actions", long press).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { bubbles, waitForServiceWorker } from './harness.ts';

export const WAIT = { timeout: 20_000, interval: 100 };

/** The bubble whose text is exactly `text`. */
export function bubbleWith(page: Page, text: string): Locator {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return bubbles(page).filter({ has: page.getByTestId('message-body').filter({ hasText: exact }) });
}

export const menu = (page: Page) => page.getByTestId('message-menu');

/** Waits for the menu (loaded on demand) and for focus inside it. */
export async function menuOpen(page: Page): Promise<void> {
  await menu(page).waitFor(WAIT);
  await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitem');
}

export async function rightClick(page: Page, bubble: Locator): Promise<void> {
  await bubble.getByTestId('message-body').click({ button: 'right' });
  await menuOpen(page);
}

export async function viaMoreButton(page: Page, bubble: Locator): Promise<void> {
  await bubble.hover();
  await bubble.getByTestId('message-more').click();
  await menuOpen(page);
}

/**
 * A finger held on the bubble for 700 ms (touch events from the browser's own input pipeline,
 * with touch emulation on), then lifted.
 */
export async function longPress(page: Page, bubble: Locator): Promise<void> {
  const box = await bubble.getByTestId('message-body').boundingBox();
  if (!box) throw new Error('longPress: the bubble is not visible');
  const point = { x: Math.round(box.x + Math.min(20, box.width / 2)), y: Math.round(box.y + box.height / 2) };
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
    await page.waitForTimeout(700);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await cdp.detach().catch(() => {});
  }
  await menuOpen(page);
}

export async function choose(page: Page, item: 'reply' | 'copy' | 'edit' | 'info' | 'delete-everyone' | 'delete-me'): Promise<void> {
  await menu(page).getByTestId(`menu-${item}`).click();
  await menu(page).waitFor({ state: 'detached', ...WAIT });
}

export async function reactWith(page: Page, emoji: string): Promise<void> {
  await menu(page).locator(`[data-testid="menu-react"][data-emoji="${emoji}"]`).click();
  await menu(page).waitFor({ state: 'detached', ...WAIT });
}

/** Confirms the delete question (a dialog loaded on demand). */
export async function confirmDelete(page: Page): Promise<void> {
  await page.getByTestId('confirm-ok').click();
  await page.getByTestId('confirm-dialog').waitFor({ state: 'detached', ...WAIT });
}

export const chipCount = async (bubble: Locator, emoji: string): Promise<number> => {
  const chip = bubble.locator(`[data-testid="reaction-chip"][data-emoji="${emoji}"]`);
  return (await chip.count()) ? Number(await chip.getAttribute('data-count')) : 0;
};

export const activeTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** Once the service worker is in, its "ready to work offline" prompt shows: dismiss it (it would hide the phone's menu sheet). */
export async function dismissUpdatePrompt(page: Page): Promise<void> {
  await waitForServiceWorker(page);
  const note = page.getByTestId('update-prompt');
  await note.waitFor({ timeout: 3_000 }).catch(() => {});
  if (await note.count()) await note.getByRole('button', { name: /^(OK|Later)$/ }).click();
}

/**
 * `PIGEON_E2E_SHOTS=<dir>` only (as groups.test.ts): saves <dir>/actions-<name>.png after two
 * painted frames (the caller dismissed the update prompt). A plain test run writes nothing, so it
 * leaves the work tree clean; `PIGEON_E2E_SHOTS=docs/screenshots` refreshes docs/client.md's images.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.PIGEON_E2E_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(dir, `actions-${name}.png`) });
}
