/**
 * Issue #19 item 6 (the list's part): a chat with unsent composer text shows "Draft: <text>" in
 * place of its last message in the chat list, at once (the drafts store is reactive); sending the
 * text takes the hint away. Desktop: another chat is opened; phone: back to the list.
 * PIGEON_E2E_SHOTS=<dir> also saves list-draft-*.png (phone and desktop, light and dark, English and French).
 */
import { describe, expect, it } from 'vitest';
import { dismissUpdatePrompt } from './actions-helpers.ts';
import { conversationPreview as preview, conversationRow as row, DESKTOP, PHONE, signIn, useBrowserCluster } from './harness.ts';
import { annWithTwoChats, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();


async function setUp(viewport: typeof DESKTOP) {
  const { annName, benName, caraName } = await annWithTwoChats(cluster.server);
  const device = await cluster.device({ viewport });
  await signIn(device.page, annName);
  await dismissUpdatePrompt(device.page);
  await expect.poll(() => preview(device.page, benName).innerText(), WAIT).toContain('Lunch at noon?');
  await expect.poll(() => preview(device.page, caraName).innerText(), WAIT).toContain('See you soon');
  return { ...device, benName, caraName };
}

describe('Chat list: draft hint', () => {
  it('desktop: a chat left with unsent text shows "Draft: …" until it is sent', async () => {
    const { page, benName, caraName } = await setUp(DESKTOP);
    await row(page, benName).click();
    await page.getByTestId('composer-input').fill('Sure, where shall we');
    await row(page, caraName).click();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Cara Dune');

    await expect.poll(() => preview(page, benName).innerText(), WAIT).toBe('Draft: Sure, where shall we');
    expect(await row(page, benName).getByTestId('conversation-draft').count()).toBe(1);
    expect(await row(page, caraName).getByTestId('conversation-draft').count()).toBe(0);
    await shot(page, 'list-draft-desktop');

    // Back to it: the text is in the composer; sent, the hint gives way to the message.
    await row(page, benName).click();
    const input = page.getByTestId('composer-input');
    await expect.poll(() => input.inputValue(), WAIT).toBe('Sure, where shall we');
    await input.fill('Sure, where shall we meet?');
    await input.press('Enter');
    await expect.poll(() => preview(page, benName).innerText(), WAIT).toContain('Sure, where shall we meet?');
    expect(await preview(page, benName).innerText()).not.toContain('Draft');
    expect(await row(page, benName).getByTestId('conversation-draft').count()).toBe(0);
  });

  it('phone: back to the list, the row shows the draft (light and dark)', async () => {
    const { page, benName } = await setUp(PHONE);
    await row(page, benName).click();
    await page.getByTestId('composer-input').fill('On my way');
    await page.getByTestId('chat-back').click();
    await expect.poll(() => preview(page, benName).innerText(), WAIT).toBe('Draft: On my way');
    await shot(page, 'list-draft-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'list-draft-phone-dark');
    // In French (the setting switches at once, no reload: the draft lives in this page here).
    await page.getByTestId('open-devices').click();
    await page.getByTestId('language-select').selectOption('fr');
    await page.getByTestId('devices-back').click();
    await expect.poll(() => preview(page, benName).innerText(), WAIT).toMatch(/^Brouillon\s?: On my way$/);
    await shot(page, 'list-draft-phone-dark-fr');
  });
});
