/**
 * The app's own service worker (src/sw/sw.ts, injectManifest) keeps the update flow the generated
 * one had: a new version installs and WAITS; the page shows "A new version of Pigeon is
 * available" (UpdatePrompt.vue, workbox-window); Reload posts SKIP_WAITING, the new worker takes
 * over and the page reloads itself. The server serves a copy of client/dist, so the test can
 * publish a "new version" (a changed sw.js) without touching the shared build.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIR, signUp, uniqueName, useBrowserCluster, waitForClientBuild, waitForServiceWorker } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const dist = mkdtempSync(join(tmpdir(), 'pigeon-sw-update-'));

beforeAll(async () => {
  await waitForClientBuild();
  cpSync(join(CLIENT_DIR, 'dist'), dist, { recursive: true });
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

const cluster = useBrowserCluster({ clientDistDir: dist });

describe('service worker updates', () => {
  it('waits for the user before a new version takes over, then reloads into it', async () => {
    const { page } = await cluster.device();
    await signUp(page, uniqueName('uma'), 'Uma');
    await waitForServiceWorker(page);
    // A returning visit: the page is controlled by the installed worker.
    await page.reload();
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), WAIT).toBe(true);
    const note = page.getByTestId('update-prompt');
    if (await note.count()) await note.getByRole('button', { name: 'OK' }).click();

    // A new version is published; the tab's update check finds it.
    const sw = join(dist, 'sw.js');
    writeFileSync(sw, `${readFileSync(sw, 'utf8')}\n// next version\n`);
    // The build's precompressed copies would still be the old worker (the server prefers them).
    for (const copy of [`${sw}.br`, `${sw}.gz`]) rmSync(copy, { force: true });
    await page.evaluate(() => {
      (window as unknown as { beforeUpdate: boolean }).beforeUpdate = true;
      return navigator.serviceWorker.getRegistration().then((r) => r?.update());
    });
    await expect.poll(() => note.innerText().catch(() => ''), WAIT).toMatch(/A new version of Pigeon is available/);
    // Installed but waiting: the old worker still controls the page.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state)).toBe('installed');

    await note.getByRole('button', { name: 'Reload' }).click();
    // The page reloaded itself (the marker is gone) under the new worker.
    await expect.poll(() => page.evaluate(() => (window as unknown as { beforeUpdate?: boolean }).beforeUpdate === undefined).catch(() => false), WAIT).toBe(true);
    await expect.poll(() => page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { waiting: r?.waiting ?? null, active: r?.active?.state, controlled: navigator.serviceWorker.controller !== null };
    }), WAIT).toEqual({ waiting: null, active: 'activated', controlled: true });
    await page.getByTestId('me-name').waitFor(WAIT);
  });
});
