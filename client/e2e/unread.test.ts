/**
 * Unread counts, mute and sound in the PWA, against the real server (issue #18): the tab title
 * shows "(N) Pigeon" for the unread messages and drops after reading; the app badge follows
 * (navigator.setAppBadge, recorded here: headless Chromium has no installed app to show it on);
 * a chat muted (offline: applied at once) shows a muted icon and leaves the count; the sound for
 * new messages plays for others' messages in a chat not in front of the user, never for a muted one;
 * a group muted from its menu leaves the count, and counts again once unmuted.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dismissUpdatePrompt } from './actions-helpers.ts';
import { apiPost, PASSWORD, PHONE, signUp, uniqueName, useBrowserCluster, type ApiAuth } from './harness.ts';
import { apiSend, register, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();

const title = (page: Page) => page.title();
const item = (page: Page, username: string) => page.locator(`[data-testid="conversation-item"][data-peer-username="${username}"]`);
const sounds = (page: Page) => page.evaluate(() => performance.getEntriesByName('pigeon:new-message-sound').length);
/** The app badge calls, in order: a number, or 0 for clearAppBadge. */
const badges = (page: Page) => page.evaluate(() => (window as unknown as { __badges: number[] }).__badges);

describe('Unread total, mute, sound', () => {
  it('counts unread messages in the title and badge, leaves a muted chat out, and plays the sound only where it should', async () => {
    const [meName, benName, catName] = [uniqueName('me'), uniqueName('ben'), uniqueName('cat')];
    const ben = await register(cluster.server, benName, 'Ben Ode');
    const cat = await register(cluster.server, catName, 'Cat Ives');
    const { page, context, net } = await cluster.device({ viewport: PHONE });
    await context.addInitScript(() => {
      const calls: number[] = [];
      (window as unknown as { __badges: number[] }).__badges = calls;
      Object.assign(navigator, {
        setAppBadge: (n?: number) => (calls.push(n ?? 0), Promise.resolve()),
        clearAppBadge: () => (calls.push(0), Promise.resolve()),
      });
    });
    await page.reload();
    await signUp(page, meName, 'Me Myself');
    await dismissUpdatePrompt(page);
    const me = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: meName, password: PASSWORD });
    expect(await title(page)).toBe('Pigeon');

    // Cat writes; the title counts it; reading it brings it back to "Pigeon".
    await apiSend(cluster.server, cat, me, 'Hello from Cat');
    await expect.poll(() => title(page), WAIT).toBe('(1) Pigeon');
    await expect.poll(() => badges(page), WAIT).toContain(1);
    await item(page, catName).click();
    await expect.poll(() => title(page), WAIT).toBe('Pigeon');
    expect((await badges(page)).at(-1)).toBe(0);

    // Muted offline: applied at once, in the header and the list.
    await net.setOffline(true);
    await page.getByTestId('chat-menu').click();
    await page.getByTestId('chat-menu-mute').click();
    await page.getByTestId('chat-header').getByTestId('muted-icon').waitFor(WAIT);
    await page.getByTestId('chat-back').click();
    await expect.poll(() => item(page, catName).getAttribute('data-muted'), WAIT).toBe('true');
    await net.setOffline(false);
    // Back online, the mute reaches the server (the outbox empties).
    const banner = page.getByTestId('connection-banner');
    await expect.poll(async () => `${await banner.getAttribute('data-state')} ${await banner.getAttribute('data-outbox')}`, WAIT).toBe('online 0');

    // Sound on (the click plays a sample: the page may play sound from now on).
    await page.getByTestId('sound-toggle').click();
    expect(await page.getByTestId('sound-toggle').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => sounds(page), WAIT).toBe(1);

    // The muted chat's messages: a (grey) badge on its row, not in the title, no sound.
    await apiSend(cluster.server, cat, me, 'Muted one');
    await apiSend(cluster.server, cat, me, 'Muted two');
    await expect.poll(() => item(page, catName).getByTestId('unread-badge').innerText(), WAIT).toMatch(/^2/);
    expect(await title(page)).toBe('Pigeon');
    await shot(page, 'unread-phone-muted-chat');
    await page.waitForTimeout(1_600); // past the sound's minimum gap
    expect(await sounds(page)).toBe(1);

    // Ben's count, with a sound (his chat is not open).
    await apiSend(cluster.server, ben, me, 'One');
    await expect.poll(() => sounds(page), WAIT).toBe(2);
    await apiSend(cluster.server, ben, me, 'Two');
    await apiSend(cluster.server, ben, me, 'Three');
    await expect.poll(() => title(page), WAIT).toBe('(3) Pigeon');
    await expect.poll(async () => (await badges(page)).at(-1), WAIT).toBe(3);

    // Reading Ben's chat drops the count and clears the badge.
    await item(page, benName).click();
    await expect.poll(() => title(page), WAIT).toBe('Pigeon');
    await expect.poll(async () => (await badges(page)).at(-1), WAIT).toBe(0);

    // The sound setting survives a reload.
    await page.reload();
    await page.getByTestId('sound-toggle').waitFor({ state: 'attached', ...WAIT }); // (behind the open chat on a phone)
    expect(await page.getByTestId('sound-toggle').getAttribute('aria-pressed')).toBe('true');
  });

  it('a muted group leaves the count; unmuted, its new messages count again', async () => {
    const [meName, benName, catName] = [uniqueName('me'), uniqueName('ben'), uniqueName('cat')];
    const ben = await register(cluster.server, benName, 'Ben Ode');
    const cat = await register(cluster.server, catName, 'Cat Ives');
    const { page } = await cluster.device({ viewport: PHONE });
    await signUp(page, meName, 'Me Myself');
    await dismissUpdatePrompt(page);
    const me = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: meName, password: PASSWORD });
    const { conversation } = await apiPost<{ conversation: { id: string } }>(
      cluster.server,
      '/api/conversations',
      { clientId: `e2e-unread-${Date.now().toString(36)}`, title: 'Book club', memberIds: [me.user.id, cat.user.id] },
      ben.token,
    );
    let n = 0;
    const post = (body: string) => apiPost(cluster.server, '/api/messages', { clientId: `e2e-unread-g-${Date.now().toString(36)}-${++n}`, conversationId: conversation.id, body }, ben.token);
    const group = page.locator('[data-testid="conversation-item"][data-type="group"]');

    await post('Welcome to the club');
    await expect.poll(() => title(page), WAIT).toBe('(1) Pigeon');
    await group.click();
    await expect.poll(() => title(page), WAIT).toBe('Pigeon');
    await page.getByTestId('chat-menu').click();
    await page.getByTestId('chat-menu-mute').click();
    await page.getByTestId('chat-header').getByTestId('muted-icon').waitFor(WAIT);
    await page.getByTestId('chat-back').click();

    await post('First book?');
    await post('Dune!');
    await expect.poll(() => group.getByTestId('unread-badge').innerText(), WAIT).toMatch(/^2/);
    expect(await group.getAttribute('data-muted')).toBe('true');
    expect(await title(page)).toBe('Pigeon');

    await group.click();
    await page.getByTestId('chat-menu').click();
    await page.getByTestId('chat-menu-unmute').click();
    await expect.poll(() => page.getByTestId('chat-header').getByTestId('muted-icon').count(), WAIT).toBe(0);
    await page.getByTestId('chat-back').click();
    await post('Next week?');
    await expect.poll(() => title(page), WAIT).toBe('(1) Pigeon');
  });
});
