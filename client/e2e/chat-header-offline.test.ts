/**
 * Issue #19 item 5 (header): while this device cannot reach the server, the peer's presence is
 * unknown; the header claims neither "online" nor a "last seen" heard before the loss (the peer
 * may have come back since), and shows the live presence again once reconnected.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bubbleBodies, localRows, openChatWith, sendMessage, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };

/** What the page knows of a user's presence: the banner's state and the user's row in IndexedDB. */
async function presenceDiagnostics(page: Page, username: string): Promise<unknown> {
  const banner = await page.getByTestId('connection-banner').getAttribute('data-state').catch(() => 'none');
  const { users = [] } = await localRows(page, ['users']);
  const row = users.find((u) => (u as { username?: string }).username === username) ?? null;
  return { banner, at: new Date().toISOString(), row };
}
const cluster = useBrowserCluster();

describe('Chat header offline', () => {
  it('shows no stale presence while offline', async () => {
    const ana = await cluster.device();
    const bo = await cluster.device();
    const boName = uniqueName('bo');
    await signUp(ana.page, uniqueName('ana'), 'Ana');
    await signUp(bo.page, boName, 'Bo');
    await openChatWith(ana.page, boName);
    await sendMessage(ana.page, 'Hi Bo');
    const anaItem = bo.page.getByTestId('conversation-item').first();
    await anaItem.click();
    await expect.poll(() => bubbleBodies(bo.page), WAIT).toEqual(['Hi Bo']);
    const status = ana.page.getByTestId('chat-status');

    // Bo has a last seen on record (he dropped off once), then is back online.
    await bo.net.setOffline(true);
    await expect
      .poll(() => status.innerText(), WAIT)
      .toMatch(/^last seen /)
      .catch(async (err: unknown) => {
        // Failed 2 of the last 4 clean-clone CIs (under load), never alone: say what Ana's device held.
        console.error('chat-header-offline diagnostics:', JSON.stringify(await presenceDiagnostics(ana.page, boName)));
        throw err;
      });
    await bo.net.setOffline(false);
    await expect.poll(() => status.innerText(), WAIT).toBe('online');

    // Ana loses the network: Bo's presence is unknown, neither "online" nor the old last seen.
    await ana.net.setOffline(true);
    await expect.poll(() => ana.page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('offline');
    await expect.poll(() => status.innerText(), WAIT).toBe(`@${boName}`);
    expect(await status.getAttribute('class')).not.toMatch(/--live/);

    await ana.net.setOffline(false);
    await expect.poll(() => status.innerText(), WAIT).toBe('online');
  });
});
