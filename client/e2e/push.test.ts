/**
 * Notifications end to end, in Chromium against the real server and the app's real service
 * worker. Real: the settings UI, the permission (granted through the browser context),
 * GET /api/push/config, POST/DELETE /api/push/subscriptions, the server's push itself (encrypted,
 * VAPID-signed, sent to the stub push service tests/server/push-stub.ts on https://127.0.0.1,
 * which verifies and decrypts it with the subscription's keys), the worker's push and
 * notificationclick handlers, `self.registration.getNotifications()`, the page navigating.
 * Simulated (push-helpers.ts), because headless Chromium cannot register with a browser push
 * service: PushManager answers with the stub's subscription (keys the stub holds), the decrypted
 * payload reaches the worker through DevTools (ServiceWorker.deliverPushMessage) as the browser
 * would hand it over, and the click is a NotificationEvent dispatched in the worker.
 */
import type { Message, PushPayload } from '@pigeon/sync-protocol';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartServerOptions } from '../../server/src/index.ts';
import { startPushStub, type PushStub, type StubSubscription } from '../../tests/server/push-stub.ts';
import { apiPost, PASSWORD, signIn, uniqueName, useBrowserCluster, waitForServiceWorker, type ApiAuth } from './harness.ts';
import { appWorker, clickNotification, deliverPush, expectNotifications, shownNotifications, simulatePushManager, watchWorker } from './push-helpers.ts';

const WAIT = { timeout: 20_000, interval: 100 };

let stub: PushStub;
// Filled before the cluster's server starts (hooks run in order): it must trust and allow the stub.
const serverOptions: StartServerOptions = {};
beforeAll(async () => {
  stub = await startPushStub();
  Object.assign(serverOptions, { pushAllowedHosts: [stub.hostPort], pushCaFile: stub.caFile });
});
afterAll(() => stub?.close());
const cluster = useBrowserCluster(serverOptions);

/** A device whose PushManager hands out `sub`, with notifications allowed, reloaded so the simulation is in place. */
async function pushDevice(sub: StubSubscription): Promise<{ context: BrowserContext; page: Page }> {
  const device = await cluster.device();
  await simulatePushManager(device.context, { ...sub.json, privateKey: Buffer.alloc(0) });
  await device.context.grantPermissions(['notifications'], { origin: cluster.server.url });
  await device.page.reload();
  return device;
}

/** The payload the server pushed to `sub` for one message, as the stub decrypted it. */
async function pushedFor(sub: StubSubscription, messageId: string): Promise<PushPayload> {
  const find = () => stub.delivered(sub.id).find((d) => d.payload.messageId === messageId)?.payload;
  await expect.poll(find, WAIT).toBeDefined();
  return find()!;
}

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
    const stubSub = stub.subscribe();
    const sub = stubSub.json;
    const name = uniqueName('nora');
    await register(name, 'Nora');
    const nora = await pushDevice(stubSub);
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
    await expect.poll(() => nora.page.evaluate(() => localStorage.getItem('pigeon:push-preview')), WAIT).toBe('off');

    // Off: the server forgets the endpoint and the browser drops the subscription.
    await toggle.click();
    await expect.poll(() => settings.getAttribute('data-status'), WAIT).toBe('off');
    await expect.poll(() => posted.length, WAIT).toBe(3);
    expect(posted[2]).toEqual({ method: 'DELETE', body: { endpoint: sub.endpoint } });
    expect(await nora.page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null)).toBe(true);
  });

  it('pushes new messages to the subscribed device: one notification per chat while another chat is open, none while that chat is in front, the chat opens on click', async () => {
    const aliceName = uniqueName('alice');
    const alice = await register(aliceName, 'Alice Liddell');
    const bob = await register(uniqueName('bob'), 'Bob Builder');
    const carol = await register(uniqueName('carol'), 'Carol Danvers');
    const fromCarol = await send(carol, alice.user.id, 'hi from carol');
    const { vapidPublicKey } = (await (await fetch(`${cluster.server.url}/api/push/config`, { headers: { authorization: `Bearer ${alice.token}` } })).json()) as { vapidPublicKey: string };
    stub.expectVapidKey(vapidPublicKey);

    // Alice turns notifications on (the real subscribe flow), then reads Carol's chat.
    const sub = stub.subscribe();
    const device = await pushDevice(sub);
    await signIn(device.page, aliceName);
    await waitForServiceWorker(device.page);
    const worker = await appWorker(device.context);
    const workerLog = watchWorker(worker);
    await openDevices(device.page);
    await device.page.getByRole('switch', { name: 'Notifications on this device' }).click();
    await device.page.locator('[data-testid="notification-settings"][data-status="on"]').waitFor(WAIT);
    await device.page.evaluate((id) => (location.hash = `#/c/${encodeURIComponent(id)}`), fromCarol.conversationId);
    await device.page.getByTestId('chat-pane').waitFor(WAIT);

    // Bob writes: the server pushes (the stub decrypts it), the push reaches the worker.
    const first = await send(bob, alice.user.id, 'Lunch at noon?');
    const p1 = await pushedFor(sub, first.id);
    expect(p1).toMatchObject({ conversationId: first.conversationId, sender: { id: bob.user.id, displayName: 'Bob Builder' }, groupTitle: null, text: 'Lunch at noon?', photos: 0, files: 0 });
    await deliverPush(device.page, worker, p1);
    await expectNotifications(worker, workerLog, [
      { title: 'Bob Builder', body: 'Lunch at noon?', tag: first.conversationId, data: { conversationId: first.conversationId, messageId: first.id, count: 1 } },
    ]);

    // A second one from the same chat replaces it: one notification, "2 new messages".
    const second = await send(bob, alice.user.id, 'or one?');
    await deliverPush(device.page, worker, await pushedFor(sub, second.id));
    await expectNotifications(worker, workerLog, [
      { title: 'Bob Builder', body: '2 new messages', tag: first.conversationId, data: { conversationId: first.conversationId, messageId: second.id, count: 2 } },
    ]);

    // Anything that is not a Pigeon payload shows nothing new.
    await deliverPush(device.page, worker, { hello: 'world' });
    expect((await shownNotifications(worker)).length).toBe(1);

    // The click focuses this window and opens Bob's chat in it (no new window), and clears the chat's notifications.
    expect(await clickNotification(worker, first.conversationId)).toBe(true);
    await expect.poll(() => device.page.evaluate(() => location.hash), WAIT).toBe(`#/c/${encodeURIComponent(first.conversationId)}`);
    await expect.poll(() => device.page.getByTestId('chat-title').innerText(), WAIT).toBe('Bob Builder');
    await expectNotifications(worker, workerLog, []);
    expect(device.context.pages().length).toBe(1);

    // Bob's chat is now open in a focused, visible window: his next message shows nothing…
    expect(await device.page.evaluate(() => document.visibilityState === 'visible' && document.hasFocus())).toBe(true);
    const third = await send(bob, alice.user.id, 'see you');
    await deliverPush(device.page, worker, await pushedFor(sub, third.id));
    // …while a push for another chat in the same moment does: proof the worker handled both.
    const fromCarol2 = await send(carol, alice.user.id, 'still there?');
    await deliverPush(device.page, worker, await pushedFor(sub, fromCarol2.id));
    await expectNotifications(worker, workerLog, [
      { title: 'Carol Danvers', body: 'still there?', tag: fromCarol2.conversationId, data: { conversationId: fromCarol2.conversationId, messageId: fromCarol2.id, count: 1 } },
    ]);
    // Opening Carol's chat in the app clears its notification.
    await device.page.evaluate((id) => (location.hash = `#/c/${encodeURIComponent(id)}`), fromCarol2.conversationId);
    await expectNotifications(worker, workerLog, []);
    // Every push was VAPID-signed with the server's key, TTL/urgency set, and decrypted fine.
    expect(stub.problems).toEqual([]);
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
