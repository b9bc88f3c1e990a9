/**
 * Photos in a group (#17): five photos dropped on the chat go out as one message; the members see
 * a grid of four with "+1", the list says "📷 5 photos", and a reply to it quotes "📷 5 photos".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { choose, dismissUpdatePrompt, menuOpen } from './actions-helpers.ts';
import { decoded, drop, pngFile, shot, WAIT } from './attachments-helpers.ts';
import { bubbles, sendMessage, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const cluster = useBrowserCluster();
const TITLE = 'Holiday';

async function openGroup(page: Page): Promise<void> {
  const item = page.locator(`[data-testid="conversation-item"][data-title="${TITLE}"]`);
  await item.waitFor(WAIT);
  await item.click();
  await page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
}

describe('Photos in a group', () => {
  it('five photos show as a grid of four with +1, in the list and in a reply as "📷 5 photos"', async () => {
    const [ivyName, joName] = [uniqueName('ivy'), uniqueName('jo')];
    const ivy = await cluster.device();
    const jo = await cluster.device();
    await signUp(ivy.page, ivyName, 'Ivy');
    await signUp(jo.page, joName, 'Jo');
    await Promise.all([dismissUpdatePrompt(ivy.page), dismissUpdatePrompt(jo.page)]);

    await ivy.page.getByTestId('new-group').click();
    await ivy.page.getByTestId('group-title').fill(TITLE);
    await ivy.page.getByTestId('picker-search').fill(joName);
    await ivy.page.locator(`[data-testid="picker-option"][data-username="${joName}"]`).click();
    await ivy.page.getByTestId('picked-person').waitFor(WAIT);
    await ivy.page.getByTestId('new-group-create').click();
    await expect.poll(() => ivy.page.evaluate(() => location.hash), WAIT).toMatch(/^#\/c\/g/);

    await drop(ivy.page, [1, 2, 3, 4, 5].map((n) => pngFile(`beach-${n}.png`, 90 + n * 10, 60)));
    await expect.poll(() => ivy.page.getByTestId('tray-item').count(), WAIT).toBe(5);
    await ivy.page.getByTestId('composer-send').click();
    const mine = bubbles(ivy.page).last();
    await expect.poll(() => mine.getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);

    await expect.poll(() => jo.page.getByTestId('conversation-preview').first().innerText(), WAIT).toContain('📷 5 photos');
    await openGroup(jo.page);
    const theirs = bubbles(jo.page).filter({ has: jo.page.getByTestId('message-attachments') });
    await theirs.waitFor(WAIT);
    expect(await theirs.getByTestId('attachment-image').count()).toBe(4);
    expect(await theirs.getByTestId('attachment-more').innerText()).toBe('+1');
    await expect.poll(async () => (await Promise.all((await theirs.getByTestId('attachment-thumb').all()).map(decoded))).filter(Boolean).length, WAIT).toBe(4);
    // No caption: there is no text to show, nor to copy.
    expect(await theirs.getByTestId('message-body').count()).toBe(0);
    await shot(jo.page, 'desktop-group-grid');

    await theirs.getByTestId('attachment-image').first().click({ button: 'right' });
    await menuOpen(jo.page);
    expect(await jo.page.getByTestId('menu-copy').count()).toBe(0);
    await choose(jo.page, 'reply');
    expect(await jo.page.getByTestId('composer-context').getByTestId('quote-text').innerText()).toBe('📷 5 photos');
    await sendMessage(jo.page, 'Lovely');
    const reply = bubbles(ivy.page).filter({ hasText: 'Lovely' });
    await reply.waitFor(WAIT);
    expect(await reply.getByTestId('quote-text').innerText()).toBe('📷 5 photos');

    // The lightbox walks through all five, the fifth too (hidden behind "+1" in the bubble).
    await theirs.getByTestId('attachment-image').first().click();
    await expect.poll(() => jo.page.getByTestId('lightbox-position').innerText(), WAIT).toBe('1 of 5');
    for (let i = 0; i < 4; i++) await jo.page.getByTestId('lightbox-next').click();
    await expect.poll(() => jo.page.getByTestId('lightbox-name').innerText(), WAIT).toBe('beach-5.png');
    await jo.page.keyboard.press('Escape');
    await jo.page.getByTestId('lightbox').waitFor({ state: 'detached', ...WAIT });
  });
});
