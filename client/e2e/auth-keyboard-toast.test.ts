/**
 * Issue #19 on the sign-in page: focus follows "Create an account" and a sign-in (item 10), the
 * username error says what is allowed instead of the server's validation text (item 11), and the
 * "ready to work offline" toast does not cover the sign-up button on a phone (item 8).
 */
import { describe, expect, it } from 'vitest';
import { PASSWORD, PHONE, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();

const activeTestId = (page: import('playwright-core').Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

describe('Auth page (issue #19)', () => {
  it('moves focus to the first field after "Create an account", and into the messenger after signing up', async () => {
    const { page } = await cluster.device({ serviceWorkers: 'block' });
    await page.getByTestId('auth-toggle').click();
    await expect.poll(() => activeTestId(page), WAIT).toBe('auth-username');
    await page.getByTestId('auth-toggle').click();
    await expect.poll(() => activeTestId(page), WAIT).toBe('auth-username');
    await page.getByTestId('auth-toggle').click();

    await page.getByTestId('auth-username').fill(uniqueName('fay'));
    await page.getByTestId('auth-password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.getByTestId('me-name').waitFor();
    await expect.poll(() => activeTestId(page), WAIT).toBe('people-search');
  });

  it('says in words which usernames are allowed, never the raw validation text', async () => {
    const { page } = await cluster.device({ serviceWorkers: 'block' });
    await page.getByTestId('auth-toggle').click();
    await page.getByTestId('auth-username').fill('ann marie!');
    await page.getByTestId('auth-password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    const error = await page.getByTestId('auth-error').innerText();
    expect(error).toMatch(/letters.*digits/);
    expect(error).not.toMatch(/regex|invalid|string|must match|username:/i);
  });

  it('keeps the "ready to work offline" toast off the sign-up card on a phone', async () => {
    const { page } = await cluster.device({ viewport: PHONE });
    await page.getByTestId('auth-toggle').click();
    const toast = page.getByTestId('update-prompt');
    await toast.waitFor({ timeout: 20_000 });
    const [a, b] = [await toast.boundingBox(), await page.locator('.auth-card').boundingBox()];
    expect(a && b).toBeTruthy();
    const overlap = a!.x < b!.x + b!.width && b!.x < a!.x + a!.width && a!.y < b!.y + b!.height && b!.y < a!.y + a!.height;
    expect(overlap, `toast ${JSON.stringify(a)} vs card ${JSON.stringify(b)}`).toBe(false);
  });
});
