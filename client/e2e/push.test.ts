/**
 * Notifications end to end, in Chromium against the real server and the app's real service
 * worker. What is real: the settings UI, the permission (granted through the browser context),
 * GET /api/push/config, POST/DELETE /api/push/subscriptions, the stored messages and the payload
 * built from them by the server's own builder (server/src/push/payload.ts), the worker's push and
 * notificationclick handlers, `self.registration.getNotifications()`, and the page navigating.
 * What is simulated (push-helpers.ts): the browser's push service (headless Chromium cannot
 * register with one), so PushManager answers with keys made here, and the push is delivered
 * through DevTools (ServiceWorker.deliverPushMessage); and the notification click, dispatched as
 * a NotificationEvent in the worker (no DevTools call clicks a notification).
 */
import type { Message } from '@pigeon/sync-protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildPushPayload } from '../../server/src/push/payload.ts';
import { apiPost, PASSWORD, signIn, uniqueName, useBrowserCluster, waitForServiceWorker, type ApiAuth } from './harness.ts';
import { appWorker, clickNotification, closeNotifications, deliverPush, makeTestSubscription, shownNotifications, simulatePushManager } from './push-helpers.ts';

const WAIT = { timeout: 20_000, interval: 100 };
// An endpoint on a host the test server allows, where nothing listens: the server's own sends
// (if any) fail fast and are retried in its background queue, never reaching a real service.
const STUB_HOST = '127.0.0.1:9';

const cluster = useBrowserCluster({ pushAllowedHosts: [STUB_HOST] });

async function register(name: string, displayName: string): Promise<ApiAuth> {
  return apiPost<ApiAuth>(cluster.server, '/api/auth/register', { username: name, password: PASSWORD, displayName });
}

async function send(from: ApiAuth, to: string, body: string): Promise<Message> {
  const { message } = await apiPost<{ message: Message }>(cluster.server, '/api/messages', { clientId: uniqueName('push'), to, body }, from.token);
  return message;
}

async function openDevices(page: Page): Promise<void> {
  await page.getByTestId('open-devices').click();
  await page.getByTestId('notification-settings').waitFor(WAIT);
}

describe('Web Push notifications', () => {
  it('turns notifications on from the settings (permission asked on the tap), changes the preview, turns them off', async () => {
    const sub = makeTestSubscription(`https://${STUB_HOST}/push/${uniqueName('ep')}`);
    const name = uniqueName('nora');
    await register(name, 'Nora');
    const nora = await cluster.device();
    await simulatePushManager(nora.context, sub);
    await nora.context.grantPermissions(['notifications'], { origin: cluster.server.url });
    await nora.page.reload();
    await signIn(nora.page, name);
    await waitForServiceWorker(nora.page);

    const posted: { method: string; body: Record<string, unknown> }[] = [];
    nora.page.on('request', (r) => {
      if (r.url().endsWith('/api/push/subscriptions')) posted.push({ method: r.method(), body: r.postDataJSON() as Record<string, unknown> });
    });

    await openDevices(nora.page);
    const settings = nora.page.getByTestId('notification-settings');
    const toggle = nora.page.getByRole('switch', { name: 'Notifications on this device' });
    const preview = nora.page.getByRole('switch', { name: /Show message text in notifications/ });
    await expect.poll(() => settings.getAttribute('data-status'), WAIT).toBe('off');
    expect(await toggle.isChecked()).toBe(false);
    // Nothing was asked or subscribed on load.
    expect(await nora.page.evaluate(() => (window as unknown as { __pushSubscribeKeys: string[] }).__pushSubscribeKeys.length)).toBe(0);

    await toggle.click();
    await expect.poll(() => settings.getAttribute('data-status'), WAIT).toBe('on');
    expect(await toggle.isChecked()).toBe(true);
    // The server's VAPID key went to PushManager.subscribe, the subscription to the server.
    const { vapidPublicKey } = (await (await fetch(`${cluster.server.url}/api/push/config`, { headers: { authorization: `Bearer ${(await loginToken(name))}` } })).json()) as { vapidPublicKey: string };
    expect(await nora.page.evaluate(() => (window as unknown as { __pushSubscribeKeys: string[] }).__pushSubscribeKeys)).toEqual([vapidPublicKey.replace(/=+$/, '')]);
    await expect.poll(() => posted.length, WAIT).toBe(1);
    expect(posted[0]).toEqual({ method: 'POST', body: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys, preview: true } });

    // Preview off: the same subscription again, with the flag; kept on the device.
    await preview.click();
    await expect.poll(() => posted.length, WAIT).toBe(2);
    expect(posted[1]).toEqual({ method: 'POST', body: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys, preview: false } });
    expect(await preview.isChecked()).toBe(false);
    expect(await nora.page.evaluate(() => localStorage.getItem('pigeon:push-preview'))).toBe('off');

    // Off: the server forgets the endpoint and the browser drops the subscription.
    await toggle.click();
    await expect.poll(() => settings.getAttribute('data-status'), WAIT).toBe('off');
    await expect.poll(() => posted.length, WAIT).toBe(3);
    expect(posted[2]).toEqual({ method: 'DELETE', body: { endpoint: sub.endpoint } });
    expect(await nora.page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null)).toBe(true);
  });

  it('shows one notification per chat while another chat is open, none while that chat is in front, and opens the chat on click', async () => {
    const aliceName = uniqueName('alice');
    const alice = await register(aliceName, 'Alice Liddell');
    const bob = await register(uniqueName('bob'), 'Bob Builder');
    const carol = await register(uniqueName('carol'), 'Carol Danvers');
    const fromCarol = await send(carol, alice.user.id, 'hi from carol');
    const first = await send(bob, alice.user.id, 'Lunch at noon?');

    const device = await cluster.device();
    await device.context.grantPermissions(['notifications'], { origin: cluster.server.url });
    await signIn(device.page, aliceName);
    await waitForServiceWorker(device.page);
    const worker = await appWorker(device.context);
    const payload = (m: Message, preview = true) => buildPushPayload(m, { id: bob.user.id, displayName: 'Bob Builder' }, null, preview);

    // Alice reads Carol's chat: Bob's message notifies.
    await device.page.evaluate((id) => (location.hash = `#/c/${encodeURIComponent(id)}`), fromCarol.conversationId);
    await device.page.getByTestId('chat-pane').waitFor(WAIT);
    await deliverPush(device.page, payload(first));
    await expect.poll(() => shownNotifications(worker), WAIT).toEqual([
      { title: 'Bob Builder', body: 'Lunch at noon?', tag: first.conversationId, data: { conversationId: first.conversationId, messageId: first.id, count: 1 } },
    ]);

    // A second one from the same chat replaces it: one notification, "2 new messages".
    const second = await send(bob, alice.user.id, 'or one?');
    await deliverPush(device.page, payload(second, false));
    await expect.poll(() => shownNotifications(worker), WAIT).toEqual([
      { title: 'Bob Builder', body: '2 new messages', tag: first.conversationId, data: { conversationId: first.conversationId, messageId: second.id, count: 2 } },
    ]);

    // Anything that is not a Pigeon payload shows nothing new.
    await deliverPush(device.page, { hello: 'world' });
    expect((await shownNotifications(worker)).length).toBe(1);

    // The click focuses this window and opens Bob's chat in it (no new window), and clears the chat's notifications.
    expect(await clickNotification(worker, first.conversationId)).toBe(true);
    await expect.poll(() => device.page.evaluate(() => location.hash), WAIT).toBe(`#/c/${encodeURIComponent(first.conversationId)}`);
    await expect.poll(() => device.page.getByTestId('chat-title').innerText(), WAIT).toBe('Bob Builder');
    await expect.poll(() => shownNotifications(worker), WAIT).toEqual([]);
    expect(device.context.pages().length).toBe(1);

    // Bob's chat is now open in a focused, visible window: his next message shows nothing…
    expect(await device.page.evaluate(() => document.visibilityState === 'visible' && document.hasFocus())).toBe(true);
    const third = await send(bob, alice.user.id, 'see you');
    await deliverPush(device.page, payload(third));
    // …while a push for another chat in the same moment does: proof the worker handled both.
    const fromCarol2 = await send(carol, alice.user.id, 'still there?');
    await deliverPush(device.page, buildPushPayload(fromCarol2, { id: carol.user.id, displayName: 'Carol Danvers' }, null, true));
    await expect.poll(() => shownNotifications(worker), WAIT).toEqual([
      { title: 'Carol Danvers', body: 'still there?', tag: fromCarol2.conversationId, data: { conversationId: fromCarol2.conversationId, messageId: fromCarol2.id, count: 1 } },
    ]);
    await closeNotifications(worker);
  });
});

async function loginToken(username: string): Promise<string> {
  const res = await fetch(`${cluster.server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  return ((await res.json()) as { token: string }).token;
}
