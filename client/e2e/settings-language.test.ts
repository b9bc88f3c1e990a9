/**
 * Issue #19 i18n: the language setting in the settings (devices) view switches the UI at once,
 * is kept across a reload (localStorage), and switches back; bubbles drawn in English speak French
 * once shown again.
 * PIGEON_E2E_SHOTS=<dir> also saves settings-language-*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dismissUpdatePrompt } from './actions-helpers.ts';
import { conversationRow, DESKTOP, PHONE, signIn, signUp, uniqueName, useBrowserCluster } from './harness.ts';
import { apiSend, register, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();

const select = (page: Page) => page.getByTestId('language-select');

describe('Settings: language', () => {
  it('switches to French at once, stays French after a reload, and back to English', async () => {
    const { page } = await cluster.device({ viewport: DESKTOP });
    await signUp(page, uniqueName('lea'), 'Léa');
    await dismissUpdatePrompt(page);
    await page.getByTestId('open-devices').click();
    await expect.poll(() => page.getByTestId('devices-view').getByRole('heading', { level: 2 }).innerText(), WAIT).toBe('Devices');
    expect(await select(page).inputValue()).toBe('en');
    expect(await page.getByLabel('Display language', { exact: true }).count()).toBe(1);
    await shot(page, 'settings-language-desktop-en');

    await select(page).selectOption('fr');
    // At once: the view's title and the search box's placeholder are French.
    await expect.poll(() => page.getByTestId('devices-view').getByRole('heading', { level: 2 }).innerText(), WAIT).toBe('Appareils');
    expect(await page.getByTestId('people-search').getAttribute('placeholder')).toBe('Rechercher personnes, messages…');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    expect(await page.evaluate(() => localStorage.getItem('pigeon:locale'))).toBe('fr');
    await shot(page, 'settings-language-desktop-fr');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'settings-language-desktop-fr-dark');

    await page.reload();
    await page.getByTestId('open-devices').click();
    await expect.poll(() => page.getByTestId('devices-view').getByRole('heading', { level: 2 }).innerText(), WAIT).toBe('Appareils');
    expect(await select(page).inputValue()).toBe('fr');
    expect(await page.getByLabel('Langue d’affichage', { exact: true }).count()).toBe(1);

    await select(page).selectOption('en');
    await expect.poll(() => page.getByTestId('devices-view').getByRole('heading', { level: 2 }).innerText(), WAIT).toBe('Devices');
    expect(await page.getByTestId('people-search').getAttribute('placeholder')).toBe('Search chats, people, messages');
  });

  it('bubbles drawn before the switch speak French when the chat is shown again (their shared "More actions" label)', async () => {
    const [annName, benName] = [uniqueName('ann'), uniqueName('ben')];
    const ann = await register(cluster.server, annName, 'Ann Lee');
    const ben = await register(cluster.server, benName, 'Ben Ode');
    await apiSend(cluster.server, ben, ann, 'Bonjour Ann');
    const { page } = await cluster.device({ viewport: DESKTOP });
    await signIn(page, annName);
    await dismissUpdatePrompt(page);
    await conversationRow(page, benName).click();
    const more = page.getByTestId('message-more').first();
    await expect.poll(() => more.getAttribute('aria-label'), WAIT).toBe('More actions');
    expect(await more.getAttribute('title')).toBe('More actions');

    await page.getByTestId('open-devices').click();
    await select(page).selectOption('fr');
    await expect.poll(() => page.getByTestId('devices-view').getByRole('heading', { level: 2 }).innerText(), WAIT).toBe('Appareils');
    await conversationRow(page, benName).click();
    await expect.poll(() => more.getAttribute('aria-label'), WAIT).toBe('Plus d’actions');
    expect(await more.getAttribute('title')).toBe('Plus d’actions');
  });

  it('phone: the setting in the settings view (light and dark, both languages)', async () => {
    const { page } = await cluster.device({ viewport: PHONE });
    await signUp(page, uniqueName('lea'), 'Léa');
    await dismissUpdatePrompt(page);
    await page.getByTestId('open-devices').click();
    await select(page).scrollIntoViewIfNeeded();
    await shot(page, 'settings-language-phone-en');
    await select(page).selectOption('fr');
    await expect.poll(() => page.getByTestId('devices-view').getByRole('heading', { level: 2 }).innerText(), WAIT).toBe('Appareils');
    await select(page).scrollIntoViewIfNeeded();
    await shot(page, 'settings-language-phone-fr');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'settings-language-phone-fr-dark');
    await select(page).selectOption('en');
    await shot(page, 'settings-language-phone-en-dark');
  });
});
