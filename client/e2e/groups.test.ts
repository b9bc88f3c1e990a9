/**
 * Group chats in the PWA, three users in three browser contexts against the real server:
 * Ana creates "Weekend trip" with Bo and Cy from the "New group" dialog (it opens at once), all
 * three write; Ana's ticks stay grey while only Bo has read (Cy's device has the message but Cy
 * has not opened the group) and turn blue once both have; "Message info" lists who read and who
 * only got it, then both as readers with their times. Cy, who never talked to the others one to
 * one, sees their names. Ana makes Bo an admin. Cy leaves: Cy's composer gives way to a notice,
 * Ana sees the line and one member fewer.
 * PIGEON_E2E_SHOTS=<dir> also saves desktop and phone screenshots of the group chat there.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bubbles, focusInDialog, PHONE, sendMessage, signIn, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const TITLE = 'Weekend trip';

const cluster = useBrowserCluster();

async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.PIGEON_E2E_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const note = page.getByTestId('update-prompt');
  // (Not while a modal dialog is open: the page behind it takes no clicks.)
  if ((await note.count()) && !(await page.locator('dialog[open]').count())) await note.getByRole('button', { name: 'OK' }).click();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

async function pickPerson(page: Page, username: string): Promise<void> {
  await page.getByTestId('picker-search').fill(username);
  await page.locator(`[data-testid="picker-option"][data-username="${username}"]`).click();
  await page.locator(`[data-testid="picked-person"]`).last().waitFor();
}

async function openGroup(page: Page, title: string): Promise<void> {
  await page.locator(`[data-testid="conversation-item"][data-title="${title}"]`).click();
  await page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor();
}

const lastBubbleStatus = (page: Page) => bubbles(page).last().getAttribute('data-status');
const receiptCount = (page: Page, section: 'read' | 'delivered' | 'waiting') => page.getByTestId(`receipts-${section}`).getByTestId('receipt').count();

/** Opens "Message info" of the last bubble (the button shows on hover or focus). */
async function openMessageInfo(page: Page): Promise<void> {
  const bubble = bubbles(page).last();
  await bubble.hover();
  await bubble.getByTestId('message-info').click();
  await page.getByTestId('message-info-dialog').waitFor();
  // Loaded on demand: once mounted it opens modal, with focus inside.
  await expect.poll(() => focusInDialog(page), WAIT).toBe(true);
}

/** Asks the server again until `check` holds (the dialog also reloads when the status moves). */
async function pollInfo(page: Page, check: () => Promise<boolean>): Promise<void> {
  await expect
    .poll(async () => {
      if (await check()) return true;
      const refresh = page.getByTestId('message-info-refresh');
      if (await refresh.isEnabled()) await refresh.click();
      return false;
    }, WAIT)
    .toBe(true);
}

describe('Groups', () => {
  it('three users: create, chat, typing, ticks blue only when both others read, message info, leave', async () => {
    const [anaName, boName, cyName] = [uniqueName('ana'), uniqueName('bo'), uniqueName('cy')];
    const ana = await cluster.device();
    const bo = await cluster.device();
    const cy = await cluster.device({ viewport: PHONE });
    await signUp(ana.page, anaName, 'Ana Alvarez');
    await signUp(bo.page, boName, 'Bo Berg');
    await signUp(cy.page, cyName, 'Cy Chen');

    // Ana creates the group: it opens at once, under its local id until the server answers.
    // The dialog is loaded on demand; once there, focus is inside it, on the name field.
    await ana.page.getByTestId('new-group').click();
    await ana.page.getByTestId('new-group-dialog').waitFor(WAIT);
    await expect.poll(() => ana.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), WAIT).toBe('group-title');
    await ana.page.getByTestId('group-title').fill(TITLE);
    await pickPerson(ana.page, boName);
    await pickPerson(ana.page, cyName);
    expect(await ana.page.getByTestId('picked-person').count()).toBe(2);
    await ana.page.getByTestId('new-group-create').click();
    await ana.page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
    expect(await ana.page.getByTestId('chat-title').innerText()).toBe(TITLE);
    expect(await ana.page.getByTestId('group-member-count').innerText()).toBe('3 members');
    expect(await ana.page.getByTestId('system-text').first().innerText()).toBe(`You created the group “${TITLE}”`);
    // The URL follows the server's id once the creation is acknowledged.
    await expect.poll(() => ana.page.evaluate(() => location.hash), WAIT).toMatch(/^#\/c\/g/);

    // Bo opens it; Cy's device gets it (delivered) but Cy does not open it yet.
    await expect.poll(() => bo.page.locator(`[data-testid="conversation-item"][data-title="${TITLE}"]`).count(), WAIT).toBe(1);
    await openGroup(bo.page, TITLE);
    await expect.poll(() => cy.page.locator(`[data-testid="conversation-item"][data-title="${TITLE}"]`).count(), WAIT).toBe(1);

    await sendMessage(ana.page, 'Hi both! Train at 9?');
    const cyItem = cy.page.locator(`[data-testid="conversation-item"][data-title="${TITLE}"]`);
    await expect.poll(() => cyItem.getByTestId('conversation-preview').innerText(), WAIT).toMatch(/: Hi both! Train at 9\?$/);
    expect(await cyItem.getByTestId('unread-badge').count()).toBe(1);
    await expect.poll(() => lastBubbleStatus(ana.page), WAIT).toBe('delivered');

    // Bo has read it, Cy has not: Message info says so, and the ticks stay grey.
    await openMessageInfo(ana.page);
    await pollInfo(ana.page, async () => (await receiptCount(ana.page, 'read')) === 1 && (await receiptCount(ana.page, 'delivered')) === 1);
    expect(await ana.page.getByTestId('receipts-waiting').getByTestId('receipt').count()).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lastBubbleStatus(ana.page)).toBe('delivered');
    expect(await bubbles(ana.page).last().locator('.status--read').count()).toBe(0);

    // Cy opens the group and reads: blue ticks, and both readers with their times.
    await openGroup(cy.page, TITLE);
    await expect.poll(() => lastBubbleStatus(ana.page), WAIT).toBe('read');
    expect(await bubbles(ana.page).last().locator('.status--read').count()).toBe(1);
    await pollInfo(ana.page, async () => (await receiptCount(ana.page, 'read')) === 2);
    expect(await receiptCount(ana.page, 'delivered')).toBe(0);
    const times = await ana.page.getByTestId('receipts-read').locator('time').allInnerTexts();
    expect(times).toHaveLength(2);
    for (const t of times) expect(t).toMatch(/\d{1,2}:\d{2}/);
    const readers = await ana.page.getByTestId('receipts-read').getByTestId('receipt').allInnerTexts();
    expect(readers.join('\n')).toMatch(/Bo Berg[\s\S]*Cy Chen|Cy Chen[\s\S]*Bo Berg/);
    await shot(ana.page, 'desktop-group-message-info');
    await ana.page.getByTestId('message-info-close').click();

    // Everyone writes; Ana's header names who types; others' bubbles carry their sender's name on the first of a run.
    await bo.page.getByTestId('composer-input').pressSequentially('Yes', { delay: 20 });
    await expect.poll(() => ana.page.getByTestId('chat-status').innerText(), WAIT).toBe('Bo Berg is typing…');
    await sendMessage(bo.page, 'Yes, 9 works for me');
    await sendMessage(bo.page, 'I will bring snacks');
    // Bo's two are in the group (Ana has them) before Cy writes: sent from two browsers at once, the
    // server may commit Cy's first, and every device then shows that order (CI of 2bf972a did).
    await expect.poll(() => bubbles(ana.page).count(), WAIT).toBe(3);
    await sendMessage(cy.page, 'See you at the station!');
    await expect.poll(() => bubbles(ana.page).count(), WAIT).toBe(4);
    expect(await ana.page.getByTestId('message-sender').allInnerTexts()).toEqual(['Bo Berg', 'Cy Chen']);
    // Cy never talked to Ana or Bo one to one: her device looked their names up (no "Unknown user").
    await expect.poll(() => cy.page.getByTestId('message-sender').allInnerTexts(), WAIT).toEqual(['Ana Alvarez', 'Bo Berg']);
    await expect.poll(() => bubbles(bo.page).count(), WAIT).toBe(4);
    await expect.poll(() => bubbles(cy.page).count(), WAIT).toBe(4);
    await shot(ana.page, 'desktop-group-chat');
    await shot(cy.page, 'phone-group-chat');

    // The members panel lists the three with Ana as admin; she makes Bo an admin too.
    await ana.page.getByTestId('group-open-members').click();
    await expect.poll(() => ana.page.getByTestId('group-member').count(), WAIT).toBe(3);
    expect(await focusInDialog(ana.page)).toBe(true);
    expect(await ana.page.locator('[data-testid="group-member"][data-role="admin"]').count()).toBe(1);
    await shot(ana.page, 'desktop-group-members');
    await ana.page.getByRole('button', { name: 'Make Bo Berg an admin' }).click();
    await expect.poll(() => ana.page.locator('[data-testid="group-member"][data-role="admin"]').count(), WAIT).toBe(2);
    await ana.page.getByTestId('group-members-close').click();
    await expect.poll(() => bo.page.getByTestId('system-text').last().innerText(), WAIT).toBe('Ana Alvarez made you an admin');

    // Cy leaves (with a confirmation): read-only there, a line and one member fewer for Ana.
    await cy.page.getByTestId('group-open-members').click();
    await expect.poll(() => cy.page.getByTestId('group-member').count(), WAIT).toBe(3);
    expect(await focusInDialog(cy.page)).toBe(true);
    // The names come from IndexedDB a read after the rows (useUserNames): a loaded CI showed "You / Admin / Admin" first.
    await expect.poll(async () => (await cy.page.getByTestId('group-member').allInnerTexts()).join('\n'), WAIT).toMatch(/Ana Alvarez[\s\S]*Bo Berg/);
    expect(await cy.page.getByTestId('group-member').allInnerTexts()).not.toContainEqual(expect.stringContaining('Unknown user'));
    await shot(cy.page, 'phone-group-members');
    await cy.page.getByTestId('group-members-close').click();
    await cy.page.getByTestId('chat-menu').click();
    await cy.page.getByTestId('chat-menu-leave').click();
    await cy.page.getByTestId('confirm-ok').click();
    await expect.poll(() => cy.page.getByTestId('group-read-only').innerText(), WAIT).toBe('You left this group.');
    expect(await cy.page.getByTestId('composer-input').count()).toBe(0);
    await expect.poll(() => ana.page.getByTestId('system-text').last().innerText(), WAIT).toBe('Cy Chen left');
    await expect.poll(() => ana.page.getByTestId('group-member-count').innerText(), WAIT).toBe('2 members');
    await shot(cy.page, 'phone-group-left');
  });

  it('a group created offline opens at once and is created when the network is back', async () => {
    const [meName, peerName] = [uniqueName('dee'), uniqueName('eli')];
    const me = await cluster.device({ viewport: PHONE });
    const peer = await cluster.device();
    await signUp(peer.page, peerName, 'Eli');
    await signUp(me.page, meName, 'Dee');
    // Dee finds Eli while online (the directory needs the server), then goes offline.
    await me.page.getByTestId('new-group').click();
    await me.page.getByTestId('group-title').fill('Offline plans');
    await pickPerson(me.page, peerName);
    await shot(me.page, 'phone-new-group');
    await me.net.setOffline(true);
    await me.page.getByTestId('new-group-create').click();
    await me.page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
    expect(await me.page.evaluate(() => location.hash)).toMatch(/^#\/c\/local/);
    await sendMessage(me.page, 'Written before the group exists');
    expect(await lastBubbleStatus(me.page)).toBe('pending');

    await me.net.setOffline(false);
    await expect.poll(() => lastBubbleStatus(me.page), WAIT).toMatch(/^(sent|delivered|read)$/);
    await expect.poll(() => me.page.evaluate(() => location.hash), WAIT).toMatch(/^#\/c\/g/);
    await openGroup(peer.page, 'Offline plans');
    await expect.poll(() => bubbles(peer.page).count(), WAIT).toBe(1);
    await expect.poll(() => lastBubbleStatus(me.page), WAIT).toBe('read');
  });
});
