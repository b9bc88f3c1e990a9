/**
 * The notification settings in the Devices view, for the docs (docs/screenshots/notifications-*.png):
 * phone and desktop, light and dark. A tool, not a test: runs only with PIGEON_SCREENSHOTS=1.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { DESKTOP, PHONE, ROOT_DIR, signUp, uniqueName, useBrowserCluster, waitForServiceWorker } from './harness.ts';
import { makeTestSubscription, simulatePushManager } from './push-helpers.ts';

const OUT = join(ROOT_DIR, 'docs', 'screenshots');
describe.runIf(process.env.PIGEON_SCREENSHOTS === '1')('notification settings screenshots', () => {
  // Inside the block: without PIGEON_SCREENSHOTS=1 no server or browser is started.
  const cluster = useBrowserCluster({ pushAllowedHosts: ['127.0.0.1:9'] });
  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${size} ${scheme}`, async () => {
        mkdirSync(OUT, { recursive: true });
        const { page, context } = await cluster.device({ viewport, colorScheme: scheme });
        await simulatePushManager(context, makeTestSubscription(`https://127.0.0.1:9/push/${uniqueName('shot')}`));
        await context.grantPermissions(['notifications'], { origin: cluster.server.url });
        await page.reload();
        await signUp(page, uniqueName('nora'), 'Nora Notified');
        await waitForServiceWorker(page);
        const note = page.getByTestId('update-prompt');
        if (await note.count()) await note.getByRole('button', { name: 'OK' }).click();
        await page.getByTestId('open-devices').click();
        const settings = page.getByTestId('notification-settings');
        await page.getByRole('switch', { name: 'Notifications on this device' }).click();
        await page.locator('[data-testid="notification-settings"][data-status="on"]').waitFor();
        await settings.scrollIntoViewIfNeeded();
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        await page.screenshot({ path: join(OUT, `notifications-${size}-${scheme}.png`) });
      });
    }
  }
});
