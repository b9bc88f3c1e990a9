/**
 * The composer counts a message's length as the server does, in code points: 4,096 emoji
 * (8,192 UTF-16 units) are sendable, one more is not, and a lone surrogate (half an emoji)
 * never is.
 */
import { describe, expect, it } from 'vitest';
import { apiPost, bubbles, openChatWith, PASSWORD, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();

describe('Composer', () => {
  it('counts code points like the server and refuses ill-formed text', async () => {
    const peer = uniqueName('peer');
    await apiPost(cluster.server, '/api/auth/register', { username: peer, password: PASSWORD });
    const { page } = await cluster.device();
    await signUp(page, uniqueName('emma'), 'Emma');
    await openChatWith(page, peer);
    const input = page.getByTestId('composer-input');
    const send = page.getByTestId('composer-send');

    await input.fill('🕊'.repeat(4_097));
    expect(await send.isDisabled()).toBe(true);
    expect(await page.getByTestId('composer-count').innerText()).toBe('4097 / 4096');
    await input.fill('🕊'.repeat(4_096));
    expect(await send.isDisabled()).toBe(false);

    // Set in the page: text sent through the protocol as UTF-8 would turn the surrogate into U+FFFD.
    await input.evaluate((el: HTMLTextAreaElement) => {
      el.value = `broken ${String.fromCharCode(0xd83d)}`;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(await send.isDisabled()).toBe(true);
    expect(await page.getByTestId('composer-count').innerText()).toMatch(/broken character/);
    await input.press('Enter');
    expect(await bubbles(page).count()).toBe(0);

    await input.fill('🕊'.repeat(4_096));
    await input.press('Enter');
    await expect.poll(() => bubbles(page).last().getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
  });
});
