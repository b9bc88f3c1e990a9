/**
 * A chat's older history cannot load while the device is offline. That is a wait, not an error:
 * the top of the chat says the messages will load once back online (no "retry" to press), and
 * they load by themselves when the connection returns. Before, a chat opened just as the
 * connection dropped showed "Couldn't load older messages — retry" until the reader pressed it.
 * `PIGEON_E2E_SHOTS=<dir>` saves <dir>/older-offline-phone.png of the waiting chat.
 */
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openChatWith, PHONE, registerUser, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();

describe('Older history while offline', () => {
  it('waits for the network instead of failing, then loads by itself once online', async () => {
    const ana = await cluster.device({ viewport: PHONE });
    const boName = uniqueName('bo');
    await registerUser(cluster.server, boName);
    await signUp(ana.page, uniqueName('ana'), 'Ana');

    // The chat's first history request is held until the network is gone, then fails with it.
    const held: Route[] = [];
    await ana.context.route('**/api/messages/conversation?*', (route) => void held.push(route));
    await openChatWith(ana.page, boName);
    await expect.poll(() => held.length, WAIT).toBeGreaterThan(0);
    await ana.net.setOffline(true);
    await expect.poll(() => ana.page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('offline');
    for (const route of held.splice(0)) await route.abort('internetdisconnected');
    await ana.context.unroute('**/api/messages/conversation?*');

    const top = ana.page.locator('.list__top');
    await expect.poll(() => ana.page.getByTestId('older-waits').isVisible(), WAIT).toBe(true);
    expect(await ana.page.getByTestId('older-waits').innerText()).toBe("Older messages will load when you're back online");
    expect(await top.locator('button').count()).toBe(0);
    const shots = process.env.PIGEON_E2E_SHOTS;
    if (shots) await ana.page.screenshot({ path: join(shots, 'older-offline-phone.png') });

    // Back online: no button pressed, the start of the (empty) history is fetched and shown.
    await ana.net.setOffline(false);
    await expect.poll(() => top.locator('.list__start').isVisible(), WAIT).toBe(true);
    expect(await ana.page.getByTestId('older-waits').count()).toBe(0);
  });
});
