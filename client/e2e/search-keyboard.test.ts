/**
 * Issue #19 item 10 (search results): the search box is a combobox over the results (chats, people,
 * messages): ArrowDown/ArrowUp move the active option (aria-activedescendant, the focus stays in the
 * box so typing goes on), Enter opens the active one as a click would.
 * PIGEON_E2E_SHOTS=<dir> also saves search-keyboard-*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dismissUpdatePrompt } from './actions-helpers.ts';
import { DESKTOP, PHONE, signIn, useBrowserCluster, uniqueName } from './harness.ts';
import { apiSend, messageResultsFor, register, search, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();

const box = (page: Page) => page.getByTestId('people-search');
const active = (page: Page) => box(page).getAttribute('aria-activedescendant');
const optionIds = (page: Page) => page.locator('[data-testid="search-results"] [role="option"]').evaluateAll((els) => els.map((el) => el.id));
const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

async function setUp(viewport: typeof DESKTOP) {
  // A word of this run only: in two display names and in one message.
  const tag = `zq${Date.now().toString(36)}`;
  const [annName, benName, caraName] = [uniqueName('ann'), uniqueName('ben'), uniqueName('cara')];
  const ann = await register(cluster.server, annName, 'Ann Lee');
  const ben = await register(cluster.server, benName, `Ben ${tag}`);
  await register(cluster.server, caraName, `Cara ${tag}`);
  const messageId = await apiSend(cluster.server, ben, ann, `The word is ${tag} today`);
  const device = await cluster.device({ viewport });
  await signIn(device.page, annName);
  await dismissUpdatePrompt(device.page);
  await device.page.getByTestId('conversation-item').first().waitFor(WAIT);
  return { ...device, tag, benName, caraName, messageId };
}

/** Types `text` and waits for all three sections: 1 chat, 2 people, 1 message. */
async function searchAll(page: Page, text: string, people: number): Promise<string[]> {
  await search(page, text);
  expect(await messageResultsFor(page, text)).toBe(1);
  await expect.poll(() => page.getByTestId('person-result').count(), WAIT).toBe(people);
  return optionIds(page);
}

describe('Search results: keyboard', () => {
  it('ArrowDown/ArrowUp move through chats, people and messages; Enter opens the active one', async () => {
    const { page, tag, caraName } = await setUp(DESKTOP);
    // The tag is in both display names and in Ben's message: a chat (Ben), two people, one message.
    const ids = await searchAll(page, tag, 2);
    expect(ids.length).toBe(4);
    expect(ids.every(Boolean)).toBe(true);
    expect(await box(page).getAttribute('role')).toBe('combobox');
    expect(await active(page)).toBeNull();

    for (const id of ids) {
      await box(page).press('ArrowDown');
      expect(await active(page)).toBe(id);
      expect(await page.locator(`[id="${id}"]`).getAttribute('aria-selected')).toBe('true');
      expect(await focusedTestId(page)).toBe('people-search');
    }
    // Past the last it stays; ArrowUp goes back, and above the first there is none.
    await box(page).press('ArrowDown');
    expect(await active(page)).toBe(ids[3]);
    await shot(page, 'search-keyboard-desktop');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'search-keyboard-desktop-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    for (const id of [ids[2], ids[1], ids[0]]) {
      await box(page).press('ArrowUp');
      expect(await active(page)).toBe(id);
    }
    await box(page).press('ArrowUp');
    expect(await active(page)).toBeNull();

    // Enter on Cara (a person without a chat yet) opens a chat with her.
    const caraAt = ids.indexOf((await page.locator(`[data-testid="person-result"][data-username="${caraName}"]`).getAttribute('id'))!);
    expect(caraAt).toBeGreaterThan(0);
    for (let i = 0; i <= caraAt; i++) await box(page).press('ArrowDown');
    await box(page).press('Enter');
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe(`Cara ${tag}`);
  });

  it('phone, in French: Enter on the active message opens the chat at it', async () => {
    const { page, tag, messageId } = await setUp(PHONE);
    await page.evaluate(() => localStorage.setItem('pigeon:locale', 'fr'));
    await page.reload();
    await page.getByTestId('conversation-item').first().waitFor(WAIT);
    const ids = await searchAll(page, `word ${tag}`, 0);
    expect(ids.length).toBe(1);
    await box(page).press('ArrowDown');
    expect(await active(page)).toBe(ids[0]);
    expect(await page.getByTestId('message-results').getByRole('heading').innerText()).toMatch(/^messages$/i);
    expect(await page.getByTestId('search-results').getByRole('heading', { name: 'Personnes' }).count()).toBe(1);
    await shot(page, 'search-keyboard-phone-fr');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'search-keyboard-phone-fr-dark');
    await box(page).press('Enter');
    await page.locator(`[data-testid="message-bubble"][data-message-id="${messageId}"]`).waitFor(WAIT);
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe(`Ben ${tag}`);
  });
});
