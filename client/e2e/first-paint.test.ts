/**
 * The first paint (issue #20): a signed-in device opening onto its list draws the cached list from
 * IndexedDB before the engine's chunk has loaded (boot/first-paint.ts), then the messenger takes
 * over. Here the engine's chunk is held at the network, so the first paint can be looked at alone:
 * it shows the chats, their previews and a draft as stored, makes pigeon:list-rendered, and its
 * rows open a chat. When the chunk is let through, the messenger replaces it and the sidebar's
 * pixels are the same as the first paint's.
 * `PIGEON_E2E_SHOTS=<dir>` saves first-paint-{phone,desktop}.png (the first paint, engine held).
 */
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MARK } from '../src/perf/marks.ts';
import { conversationPreview as preview, conversationRow as row, DESKTOP, PHONE, signIn, useBrowserCluster } from './harness.ts';
import { annWithTwoChats, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();
/** The engine's chunk (boot/engine-loader.ts imports it; the messenger's chunk imports what it does). */
const ENGINE_CHUNK = '**/assets/start-engine-*.js';

const marks = (page: Page, name: string) => page.evaluate((n) => performance.getEntriesByName(n, 'mark').length, name);

/** Ann, with a chat from Ben (a draft typed in it) and one from Cara, signed in on a device without a service worker (so the chunk can be held). */
async function setUp(viewport: typeof DESKTOP) {
  const { annName, benName, caraName } = await annWithTwoChats(cluster.server);
  const device = await cluster.device({ viewport, serviceWorkers: 'block' });
  const { page } = device;
  await signIn(page, annName); // no service worker here, so no update prompt either
  await expect.poll(() => preview(page, caraName).innerText(), WAIT).toContain('See you soon');
  await row(page, benName).click();
  await page.getByTestId('composer-input').fill('On my way');
  if (viewport === PHONE) await page.getByTestId('chat-back').click();
  else {
    await row(page, caraName).click();
    // The row shows as current at once, but the route changes only once Cara's messages are read
    // (MessengerPage's open()): a hash set after the replaceState below would reload onto the chat.
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Cara Dune');
  }
  await expect.poll(() => preview(page, benName).innerText(), WAIT).toBe('Draft: On my way');
  // Back to the list (the first paint draws only the list), the draft written through (drafts.ts: ≤ 250 ms).
  await page.evaluate(() => history.replaceState(null, '', '/'));
  await page.waitForTimeout(600);
  return { ...device, benName, caraName };
}

/** Reloads with the engine's chunk held; resolves once the first paint shows. `release` lets the chunk through. */
async function reloadHoldingEngine(device: Awaited<ReturnType<typeof setUp>>) {
  const held: Route[] = [];
  await device.context.route(ENGINE_CHUNK, (route) => void held.push(route));
  await device.page.reload();
  await device.page.getByTestId('first-paint').waitFor();
  return {
    held,
    async release() {
      for (const route of held.splice(0)) await route.continue();
      await device.context.unroute(ENGINE_CHUNK);
    },
  };
}

describe('First paint', () => {
  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`${label}: draws the stored list before the engine loads, then the messenger takes over with the same pixels`, async () => {
      const device = await setUp(viewport);
      const { page, benName, caraName } = device;
      const engine = await reloadHoldingEngine(device);

      // The list as stored: names, previews, the draft, the signed-in user; made while the engine is held.
      await expect.poll(() => preview(page, caraName).innerText(), WAIT).toContain('See you soon');
      expect(await preview(page, benName).innerText()).toBe('Draft: On my way');
      expect(await row(page, caraName).innerText()).toContain('Cara Dune');
      expect(await page.getByTestId('me-name').innerText()).toBe('Ann Lee');
      await expect.poll(() => marks(page, MARK.listRendered), WAIT).toBe(1);
      expect(await marks(page, MARK.resumed)).toBe(0);
      expect(engine.held.length).toBeGreaterThan(0);
      // Drawn, not usable yet: the header's buttons and the search wait for the messenger.
      expect(await page.getByTestId('new-group').isDisabled()).toBe(true);
      expect(await page.locator('[role="search"] input').isEditable()).toBe(false);
      await shot(page, `first-paint-${label}`);
      const before = await page.locator('.messenger__sidebar').screenshot();

      await engine.release();
      await page.getByTestId('first-paint').waitFor({ state: 'detached' });
      await expect.poll(() => marks(page, MARK.listLive), WAIT).toBe(1);
      expect(await marks(page, MARK.listRendered)).toBe(1); // made once per page (by the list snapshot, when the session left one, else the first paint)
      expect(await page.getByTestId('new-group').isDisabled()).toBe(false);
      expect(await preview(page, benName).innerText()).toBe('Draft: On my way');
      const after = await page.locator('.messenger__sidebar').screenshot();
      expect(after.equals(before)).toBe(true);
    });
  }

  it('a row tapped in the first paint opens its chat once the messenger is in', async () => {
    const device = await setUp(PHONE);
    const { page, caraName } = device;
    const engine = await reloadHoldingEngine(device);
    await row(page, caraName).click();
    await expect.poll(() => page.evaluate(() => location.hash), WAIT).toMatch(/^#\/c\//);
    expect(await marks(page, MARK.chatOpen)).toBe(1);
    await engine.release();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Cara Dune');
    await expect.poll(() => page.getByTestId('message-body').last().innerText(), WAIT).toBe('See you soon');
    await expect.poll(() => marks(page, MARK.chatRendered), WAIT).toBe(1);
  });
});
