/**
 * The PWA end to end: two browser contexts (two devices) against the real server.
 *   1. chat between Alice and Bob: ticks clock → one → two → blue, typing, online/last seen;
 *   2. offline: three messages queued offline survive a reload served by the service
 *      worker, then go out once, in order, when the network comes back.
 * Waits are locators and expect.poll, never fixed sleeps.
 */
import type { Locator, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  allBubbleBodies,
  apiPost,
  bubbleBodies,
  bubbles,
  countLocalRows,
  focusInDialog,
  openChatWith,
  PASSWORD,
  PHONE,
  sendMessage,
  signIn,
  signUp,
  uniqueName,
  useBrowserCluster,
  waitForServiceWorker,
  type ApiAuth,
} from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };

/** A bubble's status and its ticks' label, read together: one read, so both are of the same render. */
const ticks = (bubble: Locator) =>
  bubble.evaluate((el) => ({
    status: el.getAttribute('data-status'),
    label: el.querySelector('[data-testid="message-status"]')?.getAttribute('aria-label') ?? null,
  }));

const cluster = useBrowserCluster();
const device = cluster.device;

describe('Pigeon PWA', () => {
  it('chats between two people with WhatsApp-style ticks, typing and presence', async () => {
    const alice = await device();
    const bob = await device();
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signUp(alice.page, aliceName, 'Alice Liddell');
    await signUp(bob.page, bobName, 'Bob Builder');

    await openChatWith(alice.page, bobName);
    await expect.poll(() => alice.page.getByTestId('chat-title').innerText(), WAIT).toBe('Bob Builder');
    // Strangers see no presence (server/src/privacy): Bob is online, but until they share a
    // conversation Alice's header shows only his username.
    await expect.poll(() => alice.page.getByTestId('chat-status').innerText(), WAIT).toBe(`@${bobName}`);

    // Clock: written while Alice has no network.
    await alice.net.setOffline(true);
    await expect.poll(() => alice.page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('offline');
    await sendMessage(alice.page, 'Hi Bob!');
    const first = bubbles(alice.page).last();
    await expect.poll(() => ticks(first), WAIT).toEqual({ status: 'pending', label: 'Sending' });

    // One tick: the server has it, Bob's device (offline) does not.
    await bob.net.setOffline(true);
    await alice.net.setOffline(false);
    await expect.poll(() => ticks(first), WAIT).toEqual({ status: 'sent', label: 'Sent' });

    // Two ticks: Bob's device stored it; he has not opened the chat, so it is unread.
    await bob.net.setOffline(false);
    await expect.poll(() => ticks(first), WAIT).toEqual({ status: 'delivered', label: 'Delivered' });
    const bobItem = bob.page.locator(`[data-testid="conversation-item"][data-peer-username="${aliceName}"]`);
    await expect.poll(() => bobItem.getByTestId('unread-badge').innerText(), WAIT).toMatch(/^1\b/);

    // Blue ticks: Bob opens the conversation.
    await bobItem.click();
    await expect.poll(() => bubbleBodies(bob.page), WAIT).toEqual(['Hi Bob!']);
    await expect.poll(() => ticks(first), WAIT).toEqual({ status: 'read', label: 'Read' });
    await expect.poll(() => bobItem.getByTestId('unread-badge').count(), WAIT).toBe(0);

    // Typing indicator, then the reply; a message arriving in an open chat is read at once.
    await bob.page.getByTestId('composer-input').pressSequentially('Hey Al', { delay: 20 });
    await expect.poll(() => alice.page.getByTestId('chat-status').innerText(), WAIT).toBe('typing…');
    await bob.page.getByTestId('composer-input').press('Enter');
    await expect.poll(() => bubbleBodies(alice.page), WAIT).toEqual(['Hi Bob!', 'Hey Al']);
    await expect.poll(() => alice.page.getByTestId('chat-status').innerText(), WAIT).toBe('online');
    await expect.poll(() => bubbles(bob.page).last().getAttribute('data-status'), WAIT).toBe('read');

    // Presence: Bob drops off → "last seen …"; back → "online".
    await bob.net.setOffline(true);
    await expect.poll(() => alice.page.getByTestId('chat-status').innerText(), WAIT).toMatch(/^last seen /);
    await bob.net.setOffline(false);
    await expect.poll(() => alice.page.getByTestId('chat-status').innerText(), WAIT).toBe('online');
  });

  it('keeps messages written offline across a reload from the service worker and sends them once, in order', async () => {
    const carol = await device();
    const dave = await device();
    const carolName = uniqueName('carol');
    const daveName = uniqueName('dave');
    await signUp(carol.page, carolName, 'Carol Danvers');
    await signUp(dave.page, daveName, 'Dave Lister');

    await openChatWith(carol.page, daveName);
    await sendMessage(carol.page, 'before the tunnel');
    await expect.poll(() => bubbles(carol.page).last().getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    await waitForServiceWorker(carol.page);

    await carol.net.setOffline(true);
    await expect.poll(() => carol.page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('offline');
    const offline = ['offline one', 'offline two', 'offline three'];
    for (const body of offline) await sendMessage(carol.page, body);
    await expect.poll(() => carol.page.locator('[data-testid="message-bubble"][data-status="pending"]').count(), WAIT).toBe(3);
    await expect.poll(() => carol.page.getByTestId('connection-banner').getAttribute('data-outbox'), WAIT).toBe('3');

    // Reload with no network: the shell comes from the service worker's precache and the
    // chat (from the URL) and its pending messages from IndexedDB.
    const reload = await carol.page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    await carol.page.getByTestId('chat-pane').waitFor(WAIT);
    await expect.poll(() => bubbleBodies(carol.page), WAIT).toEqual(['before the tunnel', ...offline]);
    await expect.poll(() => carol.page.locator('[data-testid="message-bubble"][data-status="pending"]').count(), WAIT).toBe(3);
    expect(await carol.page.getByTestId('connection-banner').getAttribute('data-state')).toBe('offline');

    // Dialogs open offline with focus inside: Sign out from the messenger's chunk (sessions spec), New group
    // loaded on demand, from the precache.
    const lazyChunks: { url: string; fromServiceWorker: boolean }[] = [];
    carol.page.on('response', (r) => {
      if (/\/assets\/NewGroupDialog-[\w-]+\.js$/.test(r.url())) lazyChunks.push({ url: r.url(), fromServiceWorker: r.fromServiceWorker() });
    });
    await carol.page.getByTestId('sign-out').click();
    await expect.poll(() => carol.page.getByTestId('sign-out-unsent').innerText(), WAIT).toMatch(/^3 messages not sent yet/);
    expect(await focusInDialog(carol.page)).toBe(true);
    await carol.page.getByTestId('sign-out-cancel').click();
    await carol.page.getByTestId('new-group').click();
    await carol.page.getByTestId('new-group-dialog').waitFor(WAIT);
    await expect.poll(() => carol.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), WAIT).toBe('group-title');
    await carol.page.keyboard.press('Escape');
    await expect.poll(() => carol.page.locator('dialog[open]').count(), WAIT).toBe(0);
    expect(lazyChunks.map((c) => c.fromServiceWorker)).toEqual([true]);

    // Back online: each goes out once, in order.
    await carol.net.setOffline(false);
    await expect.poll(() => carol.page.locator('[data-testid="message-bubble"][data-status="pending"]').count(), WAIT).toBe(0);
    await expect.poll(() => carol.page.getByTestId('connection-banner').getAttribute('data-outbox'), WAIT).toBe('0');
    expect(await bubbleBodies(carol.page)).toEqual(['before the tunnel', ...offline]);

    const daveItem = dave.page.locator(`[data-testid="conversation-item"][data-peer-username="${carolName}"]`);
    await daveItem.click();
    await expect.poll(() => bubbleBodies(dave.page), WAIT).toEqual(['before the tunnel', ...offline]);
    await expect.poll(() => bubbles(carol.page).last().getAttribute('data-status'), WAIT).toBe('read');

    // And the server holds exactly one copy of each, in order (what any new device would get).
    const login = await fetch(`${cluster.server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: daveName, password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const found = (await (await fetch(`${cluster.server.url}/api/users?q=${carolName}`, { headers: auth })).json()) as { users: { id: string }[] };
    const history = await fetch(`${cluster.server.url}/api/messages/conversation?with=${found.users[0]!.id}&limit=200`, { headers: auth });
    const { messages } = (await history.json()) as { messages: { body: string; seq: number }[] };
    expect(messages.map((m) => m.body)).toEqual(['before the tunnel', ...offline]);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps local data on sign-out unless asked to clear it, and returns to sign-in when the session expires', async () => {
    // Service workers blocked: this context routes /api requests, which a service worker could bypass.
    const erin = await device({ serviceWorkers: 'block' });
    const frank = await device();
    const erinName = uniqueName('erin');
    const frankName = uniqueName('frank');
    await signUp(erin.page, erinName, 'Erin Brockovich');
    await signUp(frank.page, frankName, 'Frank Ocean');
    await openChatWith(frank.page, erinName);
    await sendMessage(frank.page, 'kept on the device');
    const item = erin.page.locator(`[data-testid="conversation-item"][data-peer-username="${frankName}"]`);
    await item.waitFor(WAIT);

    // Default sign-out keeps the chats on the device.
    await erin.page.getByTestId('sign-out').click();
    await erin.page.getByTestId('sign-out-confirm').click();
    await erin.page.getByTestId('auth-form').waitFor(WAIT);
    expect((await countLocalRows(erin.page)).rows).toBeGreaterThan(0);
    await signIn(erin.page, erinName);
    await expect.poll(() => item.count(), WAIT).toBe(1);

    // A session the server ended (a 401 from the API, and its refresh refused too) returns to
    // sign-in with a notice; the data stays.
    const refused = (route: Route) =>
      route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'token expired' } }) });
    await erin.context.route('**/api/users/me', refused);
    await erin.context.route('**/api/auth/refresh', refused);
    await erin.page.reload();
    await erin.page.getByTestId('auth-notice').waitFor(WAIT);
    expect(await erin.page.getByTestId('auth-notice').innerText()).toMatch(/session expired/i);
    expect((await countLocalRows(erin.page)).rows).toBeGreaterThan(0);
    await erin.context.unroute('**/api/users/me');
    await erin.context.unroute('**/api/auth/refresh');
    await signIn(erin.page, erinName);
    await expect.poll(() => item.count(), WAIT).toBe(1);

    // "Clear data on this device" wipes the local copy; a later sign-in syncs it back from the server.
    await erin.page.getByTestId('sign-out').click();
    await erin.page.getByTestId('sign-out-clear').check();
    await erin.page.getByTestId('sign-out-confirm').click();
    await erin.page.getByTestId('auth-form').waitFor(WAIT);
    const leftovers = await countLocalRows(erin.page);
    expect(leftovers.stores.length).toBeGreaterThan(0);
    expect(leftovers.rows).toBe(0);
    await signIn(erin.page, erinName);
    await expect.poll(() => item.count(), WAIT).toBe(1);
  });

  it('pages in older history when scrolling up (on a phone: one pane at a time)', async () => {
    // Gina writes 120 messages through the API; Hank reads them on a fresh device.
    const api = <T>(path: string, body: unknown, token?: string) => apiPost<T>(cluster.server, path, body, token);
    const ginaName = uniqueName('gina');
    const hankName = uniqueName('hank');
    const gina = await api<ApiAuth>('/api/auth/register', { username: ginaName, password: PASSWORD, displayName: 'Gina' });
    const hank = await api<ApiAuth>('/api/auth/register', { username: hankName, password: PASSWORD, displayName: 'Hank' });
    for (let i = 1; i <= 120; i++) {
      await api('/api/messages', { clientId: `history-${ginaName}-${i}`, to: hank.user.id, body: `message ${i}` }, gina.token);
    }

    const reader = await device({ viewport: PHONE });
    await signIn(reader.page, hankName);
    const chatList = reader.page.getByTestId('conversation-list');
    await reader.page.locator(`[data-testid="conversation-item"][data-peer-username="${ginaName}"]`).click();
    await reader.page.getByTestId('chat-pane').waitFor(WAIT);
    expect(await chatList.isVisible()).toBe(false);
    await expect.poll(async () => (await bubbleBodies(reader.page)).at(-1), WAIT).toBe('message 120');
    const firstPage = await bubbles(reader.page).count();
    expect(firstPage).toBeLessThan(120);

    // Scroll to the top until the oldest message is drawn there.
    const list = reader.page.getByTestId('message-list');
    await expect
      .poll(async () => {
        await list.evaluate((el) => el.scrollTo({ top: 0 }));
        return (await bubbleBodies(reader.page))[0];
      }, WAIT)
      .toBe('message 1');
    // Like a reader, keep scrolling up until the start of the history is announced.
    const start = reader.page.getByText('This is the start of your conversation with Gina.');
    await expect
      .poll(async () => {
        await list.evaluate((el) => el.scrollTo({ top: 0 }));
        return start.isVisible();
      }, WAIT)
      .toBe(true);
    // The list draws only the rows in view (windowed): fewer bubbles than messages, yet all 120 are
    // loaded, in order, each once (read by scrolling down through them).
    expect(await bubbles(reader.page).count()).toBeLessThan(120);
    expect(await allBubbleBodies(reader.page)).toEqual(Array.from({ length: 120 }, (_, i) => `message ${i + 1}`));

    // The back button returns to the list (and so does the device's back gesture: it is a history entry).
    await reader.page.getByRole('button', { name: 'Back to chats' }).click();
    await chatList.waitFor(WAIT);
    expect(await reader.page.getByTestId('chat-pane').count()).toBe(0);
    await reader.page.goForward();
    await reader.page.getByTestId('chat-pane').waitFor(WAIT);
    await reader.page.goBack();
    await chatList.waitFor(WAIT);
  });
});
