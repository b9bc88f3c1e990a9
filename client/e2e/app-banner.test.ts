/**
 * Issue #19, item 5: with the network up and the server down, the banner says Pigeon cannot be
 * reached (and is retrying) rather than "You're offline"; with the network off it says offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openDevice, signUp, startTestServer, uniqueName, waitForClientBuild, type TestServer } from './harness.ts';

const WAIT = { timeout: 30_000, interval: 100 };
let server: TestServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  await waitForClientBuild();
  server = await startTestServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close().catch(() => {});
});

describe('Connection banner (issue #19, item 5)', () => {
  it('tells "server unreachable" from "offline"', async () => {
    const { page, net, context } = await openDevice(browser!, server!.url, { serviceWorkers: 'block' });
    await signUp(page, uniqueName('ned'), 'Ned');
    const banner = page.getByTestId('connection-banner');
    await expect.poll(() => banner.getAttribute('data-state'), WAIT).toBe('online');

    await net.setOffline(true);
    await expect.poll(() => banner.innerText(), WAIT).toMatch(/^You're offline/);
    await net.setOffline(false);
    await expect.poll(() => banner.getAttribute('data-state'), WAIT).toBe('online');

    await server!.close();
    server = undefined;
    await expect.poll(() => banner.innerText(), WAIT).toBe('Can’t reach Pigeon, retrying…');
    expect(await page.evaluate(() => navigator.onLine)).toBe(true);
    await context.close();
  });
});
