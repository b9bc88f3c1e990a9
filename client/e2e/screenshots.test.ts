/**
 * Screenshots of the main screens (and the Devices view, a blocked chat, a group chat) for docs/screenshots/ (desktop 1280×800, phone 390×844,
 * light and dark). Not part of `npm test` (vitest.config.ts leaves it out unless PIGEON_SCREENSHOTS=1): `npm run screenshots -w client`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bubbleBodies,
  bubbles,
  DESKTOP,
  openChatWith,
  PHONE,
  ROOT_DIR,
  sendMessage,
  signIn,
  signUp,
  uniqueName,
  useBrowserCluster,
} from './harness.ts';

const OUT_DIR = join(ROOT_DIR, 'docs', 'screenshots');
const WAIT = { timeout: 20_000, interval: 100 };

async function shot(page: Page, name: string) {
  // The transient "ready to work offline" note would cover part of the screen.
  const note = page.getByTestId('update-prompt');
  // (Not while a modal dialog is open: the page behind it takes no clicks.)
  if ((await note.count()) && !(await page.locator('dialog[open]').count())) await note.getByRole('button', { name: 'OK' }).click();
  // Let fonts/layout settle: wait for two animation frames rather than a fixed delay.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(OUT_DIR, `${name}.png`) });
}

describe('screenshots', () => {
  const cluster = useBrowserCluster();
  const device = cluster.device;
  beforeAll(() => {
    mkdirSync(OUT_DIR, { recursive: true });
  });

  it('captures the main screens', async () => {
    const alice = await device();
    await shot(alice.page, 'desktop-sign-in');

    const bob = await device();
    const carol = await device();
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    const carolName = uniqueName('carol');
    await signUp(alice.page, aliceName, 'Alice Liddell');
    await signUp(bob.page, bobName, 'Bob Builder');
    await signUp(carol.page, carolName, 'Carol Danvers');

    // A conversation with some history, and an unread one.
    await openChatWith(bob.page, aliceName);
    await sendMessage(bob.page, 'Hi Alice! Are we still on for lunch tomorrow?');
    await openChatWith(alice.page, bobName);
    await expect.poll(() => bubbleBodies(alice.page), WAIT).toHaveLength(1);
    await sendMessage(alice.page, 'Yes! 12:30 at the usual place?');
    await sendMessage(bob.page, 'Perfect.\nI will book a table by the window.');
    await expect.poll(() => bubbleBodies(alice.page), WAIT).toHaveLength(3);
    await sendMessage(alice.page, 'See you there!');
    await expect.poll(() => bubbles(alice.page).last().getAttribute('data-status'), WAIT).toBe('read');
    await openChatWith(carol.page, aliceName);
    await sendMessage(carol.page, 'Did you see the launch?');
    await sendMessage(carol.page, 'Call me when you can');
    await expect.poll(() => alice.page.getByTestId('unread-badge').count(), WAIT).toBe(1);

    await bob.page.getByTestId('composer-input').pressSequentially('Also', { delay: 20 });
    await expect.poll(() => alice.page.getByTestId('chat-status').innerText(), WAIT).toBe('typing…');
    await shot(alice.page, 'desktop-chat');
    await bob.page.getByTestId('composer-input').fill('');

    // Offline with a queued message.
    await alice.net.setOffline(true);
    await sendMessage(alice.page, 'Sent from the tunnel');
    await expect.poll(() => alice.page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('offline');
    await shot(alice.page, 'desktop-offline');
    await alice.net.setOffline(false);
    await expect.poll(() => bubbles(alice.page).last().getAttribute('data-status'), WAIT).not.toBe('pending');

    // The same account on a phone (a new device: everything comes from /api/sync).
    const phone = await device({ viewport: PHONE });
    await shot(phone.page, 'phone-sign-in');
    await signIn(phone.page, aliceName);
    await expect.poll(() => phone.page.getByTestId('conversation-item').count(), WAIT).toBe(2);
    await shot(phone.page, 'phone-chats');
    await phone.page.locator(`[data-testid="conversation-item"][data-peer-username="${bobName}"]`).click();
    await expect.poll(() => bubbleBodies(phone.page), WAIT).toHaveLength(5);
    await shot(phone.page, 'phone-chat');

    // Dark mode.
    const dark = await device({ viewport: DESKTOP, colorScheme: 'dark' });
    await signIn(dark.page, bobName);
    await dark.page.locator(`[data-testid="conversation-item"][data-peer-username="${aliceName}"]`).click();
    await expect.poll(() => bubbleBodies(dark.page), WAIT).toHaveLength(5);
    await shot(dark.page, 'desktop-chat-dark');
    const darkPhone = await device({ viewport: PHONE, colorScheme: 'dark' });
    await signIn(darkPhone.page, carolName);
    await darkPhone.page.getByTestId('conversation-item').first().click();
    await darkPhone.page.getByTestId('chat-pane').waitFor();
    await shot(darkPhone.page, 'phone-chat-dark');
  });

  it('captures the Devices view and a blocked chat', async () => {
    const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
    const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
    const name = uniqueName('dana');
    const peerName = uniqueName('eve');
    const desktop = await device({ viewport: DESKTOP });
    const phone = await device({ viewport: PHONE, userAgent: ANDROID });
    const mac = await device({ viewport: DESKTOP, userAgent: MAC });
    const peer = await device({ viewport: PHONE });
    await signUp(desktop.page, name, 'Dana Scully');
    await signIn(phone.page, name);
    await signIn(mac.page, name);
    await signUp(peer.page, peerName, 'Eve Moneypenny');

    await desktop.page.getByTestId('open-devices').click();
    await expect.poll(() => desktop.page.getByTestId('device-item').count(), WAIT).toBe(3);
    await shot(desktop.page, 'desktop-devices');
    await phone.page.getByTestId('open-devices').click();
    await expect.poll(() => phone.page.getByTestId('device-item').count(), WAIT).toBe(3);
    await shot(phone.page, 'phone-devices');

    // Dana blocks Eve; Eve's next message is refused.
    await phone.page.getByTestId('devices-back').click();
    await openChatWith(phone.page, peerName);
    await openChatWith(peer.page, name);
    await sendMessage(peer.page, 'Can we talk about the report?');
    await expect.poll(() => bubbleBodies(phone.page), WAIT).toHaveLength(1);
    await phone.page.getByTestId('chat-menu').click();
    await phone.page.getByTestId('chat-menu-block').click();
    await phone.page.getByTestId('confirm-ok').click();
    await phone.page.getByTestId('blocked-notice').waitFor(WAIT);
    await shot(phone.page, 'phone-chat-blocked');
    await sendMessage(peer.page, 'Hello?');
    await expect.poll(() => bubbles(peer.page).last().getAttribute('data-status'), WAIT).toBe('failed');
    await shot(peer.page, 'phone-chat-send-refused');
  });
  it('captures a group chat', async () => {
    const maya = await device({ viewport: DESKTOP });
    const leo = await device({ viewport: PHONE, colorScheme: 'dark' });
    const zoe = await device({ viewport: DESKTOP });
    const [mayaName, leoName, zoeName] = [uniqueName('maya'), uniqueName('leo'), uniqueName('zoe')];
    await signUp(maya.page, mayaName, 'Maya Patel');
    await signUp(leo.page, leoName, 'Leo Fischer');
    await signUp(zoe.page, zoeName, 'Zoe Martin');
    await maya.page.getByTestId('new-group').click();
    await maya.page.getByTestId('group-title').fill('Saturday hike');
    for (const name of [leoName, zoeName]) {
      await maya.page.getByTestId('picker-search').fill(name);
      await maya.page.locator(`[data-testid="picker-option"][data-username="${name}"]`).click();
    }
    await maya.page.getByTestId('new-group-create').click();
    await maya.page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
    await sendMessage(maya.page, "Who's in for the hike on Saturday?");
    for (const page of [leo.page, zoe.page]) {
      await page.locator('[data-testid="conversation-item"][data-title="Saturday hike"]').click();
      await page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
    }
    await sendMessage(leo.page, 'Me! What time?');
    await sendMessage(leo.page, 'I can drive, 3 seats left');
    await sendMessage(zoe.page, 'Count me in!');
    await expect.poll(() => bubbles(maya.page).count(), WAIT).toBe(4);
    await sendMessage(maya.page, '8:30 at the station car park. Bring water!');
    await expect.poll(() => bubbles(maya.page).last().getAttribute('data-status'), WAIT).toBe('read');
    await expect.poll(() => bubbles(leo.page).count(), WAIT).toBe(5);
    await zoe.page.getByTestId('composer-input').pressSequentially('Great', { delay: 20 });
    await expect.poll(() => maya.page.getByTestId('chat-status').innerText(), WAIT).toBe('Zoe Martin is typing…');
    // Nobody chatted one to one before: every sender is named all the same (looked up by id).
    for (const page of [maya.page, leo.page]) {
      await expect.poll(async () => (await page.getByTestId('message-sender').allInnerTexts()).every((n) => n !== 'Unknown user'), WAIT).toBe(true);
    }
    await shot(maya.page, 'desktop-group-chat');
    await shot(leo.page, 'phone-group-chat-dark');

    const last = bubbles(maya.page).last();
    await last.hover();
    await last.getByTestId('message-info').click();
    await expect.poll(() => maya.page.getByTestId('receipts-read').getByTestId('receipt').count(), WAIT).toBe(2);
    await shot(maya.page, 'desktop-group-message-info');
  });

  it('captures the French UI (#19)', async () => {
    const lea = await device({ viewport: DESKTOP });
    const hugo = await device({ viewport: PHONE, colorScheme: 'dark' });
    const leaName = uniqueName('lea');
    const hugoName = uniqueName('hugo');
    await signUp(lea.page, leaName, 'Léa Dupont');
    await signUp(hugo.page, hugoName, 'Hugo Martin');
    // The language as a person picks it: Settings, then "Français" (persisted for the next visits).
    for (const page of [lea.page, hugo.page]) {
      await page.getByTestId('open-devices').click();
      await page.getByTestId('language-select').selectOption('fr');
      await expect.poll(() => page.evaluate(() => document.documentElement.lang), WAIT).toBe('fr');
      await page.getByRole('button', { name: /^(Fermer les appareils|Retour aux discussions)$/ }).first().click();
    }
    await openChatWith(hugo.page, leaName);
    await sendMessage(hugo.page, 'Salut Léa ! On se retrouve où demain ?');
    await openChatWith(lea.page, hugoName);
    await expect.poll(() => bubbleBodies(lea.page), WAIT).toHaveLength(1);
    await sendMessage(lea.page, 'Devant la gare, à 9 h. Tu prends les billets ?');
    await sendMessage(hugo.page, 'Oui, c’est réservé 👍');
    await expect.poll(() => bubbleBodies(lea.page), WAIT).toHaveLength(3);
    await expect.poll(() => bubbles(lea.page).nth(1).getAttribute('data-status'), WAIT).toBe('read');
    await shot(lea.page, 'fr-desktop-chat');
    await hugo.page.getByRole('button', { name: 'Retour aux discussions' }).click();
    await hugo.page.getByTestId('conversation-list').waitFor(WAIT);
    await shot(hugo.page, 'fr-phone-chats-dark');
  });
});
