/**
 * Issue #19 item 3: a paste longer than the limit (LIMITS.bodyMaxChars, 4,096 characters) stays
 * whole in the box; the counter shows how far over it is, in the error style, with a message for
 * screen readers; neither Send nor Enter sends until the text fits, and then all of it arrives.
 */
import { describe, expect, it } from 'vitest';
import { apiPost, bubbleBodies, bubbles, openChatWith, PASSWORD, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();

describe('Composer limit', () => {
  it('keeps an over-long paste whole, says it is too long, and sends it once it fits', async () => {
    const peer = uniqueName('peer');
    await apiPost(cluster.server, '/api/auth/register', { username: peer, password: PASSWORD });
    const { page } = await cluster.device();
    await signUp(page, uniqueName('emma'), 'Emma');
    await openChatWith(page, peer);
    const input = page.getByTestId('composer-input');
    const send = page.getByTestId('composer-send');
    const count = page.getByTestId('composer-count');

    const text = 'abcdefghij'.repeat(500); // 5,000 characters
    await input.focus();
    await page.keyboard.insertText(text); // what a paste of plain text does
    expect(await input.inputValue()).toBe(text);
    expect(await count.innerText()).toBe('5000 / 4096');
    expect(await count.getAttribute('class')).toMatch(/composer__count--over/);
    expect(await page.getByTestId('composer-too-long').innerText()).toBe('Too long by 904 characters');
    // The textarea names the problem to assistive technology.
    const described = await input.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    );
    expect(described).toContain('Too long by 904 characters');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await send.isDisabled()).toBe(true);
    await input.press('Enter');
    expect(await bubbles(page).count()).toBe(0);
    expect(await input.inputValue()).toBe(text);

    // One character over: singular.
    await input.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(4097, 5000));
    await page.keyboard.press('Backspace');
    expect(await page.getByTestId('composer-too-long').innerText()).toBe('Too long by 1 character');
    await page.keyboard.press('Backspace');
    expect(await count.innerText()).toBe('4096 / 4096');
    expect(await count.getAttribute('class')).not.toMatch(/composer__count--over/);
    expect(await page.getByTestId('composer-too-long').innerText()).toBe('');
    expect(await send.isDisabled()).toBe(false);
    await input.press('Enter');
    await expect.poll(() => bubbles(page).last().getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    expect(await bubbleBodies(page)).toEqual([text.slice(0, 4096)]);
  });

  it('says it in French when the UI speaks French', async () => {
    const peer = uniqueName('peer');
    await apiPost(cluster.server, '/api/auth/register', { username: peer, password: PASSWORD });
    const { page } = await cluster.device();
    await page.evaluate(() => localStorage.setItem('pigeon:locale', 'fr'));
    await page.reload();
    await signUp(page, uniqueName('emma'), 'Emma');
    await openChatWith(page, peer);
    const input = page.getByTestId('composer-input');
    expect(await input.getAttribute('placeholder')).toBe('Écrire un message');
    await input.focus();
    await page.keyboard.insertText('x'.repeat(4_098));
    expect(await page.getByTestId('composer-too-long').innerText()).toBe('2 caractères de trop');
    expect(await page.getByTestId('composer-send').getAttribute('aria-label')).toBe('Envoyer le message');
    expect(await page.getByTestId('composer-send').isDisabled()).toBe(true);
  });
});
