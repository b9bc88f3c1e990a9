/**
 * Web Push in the e2e suite. Headless Chromium has no browser push service to register with
 * (PushManager.subscribe fails: "Registration failed"), so two things are simulated, nothing else:
 *   - `simulatePushManager`: the page's PushManager.subscribe/getSubscription answer with a
 *     subscription whose keys are made here (a real P-256 key pair and auth secret) and record
 *     the applicationServerKey the app passed;
 *   - `deliverPush`: the push service's delivery, through the DevTools protocol
 *     (ServiceWorker.deliverPushMessage), into the app's real service worker.
 */
import { createECDH, randomBytes } from 'node:crypto';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { expect } from 'vitest';

export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The private half of p256dh, to decrypt what a push service would get. */
  privateKey: Buffer;
}

export function makeTestSubscription(endpoint: string): TestSubscription {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
    privateKey: ecdh.getPrivateKey(),
  };
}

/** Before the page loads: PushManager answers with `sub` (see the file comment). */
export async function simulatePushManager(context: BrowserContext, sub: TestSubscription): Promise<void> {
  await context.addInitScript((s: { endpoint: string; keys: { p256dh: string; auth: string } }) => {
    type Sub = { endpoint: string; options: { applicationServerKey: ArrayBuffer; userVisibleOnly: boolean } };
    let current: Sub | null = null;
    const w = window as unknown as { __pushSubscribeKeys: string[] };
    w.__pushSubscribeKeys = [];
    PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
      const key = new Uint8Array(options!.applicationServerKey as Uint8Array).slice();
      w.__pushSubscribeKeys.push(btoa(String.fromCharCode(...key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
      const sub = {
        endpoint: s.endpoint,
        expirationTime: null,
        options: { applicationServerKey: key.buffer, userVisibleOnly: options?.userVisibleOnly === true },
        toJSON: () => ({ endpoint: s.endpoint, expirationTime: null, keys: s.keys }),
        unsubscribe: async () => {
          current = null;
          return true;
        },
      };
      current = sub;
      return sub as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async function () {
      return current as unknown as PushSubscription | null;
    };
  }, { endpoint: sub.endpoint, keys: sub.keys });
}

/** The app's service worker in this context (after it registered). */
export async function appWorker(context: BrowserContext): Promise<Worker> {
  const found = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
  return found ?? context.waitForEvent('serviceworker', { predicate: (w) => w.url().endsWith('/sw.js') });
}

/**
 * Hands `payload` (as its JSON text) to the app's service worker as a push message would, and
 * waits until the worker received it. push.test.ts failed twice under CI load with a push that
 * never reached the worker (nothing in its log for it, no notification): DevTools accepted it and
 * dispatched nothing. Reception is the browser's part, not the app's, so a push not received
 * within 5 s is delivered once more, as a push service redelivers what the browser did not take
 * (the app keeps a redelivered message's count: notification-content.ts); the session stays
 * attached until then. Not received twice fails here, said so.
 */
export async function deliverPush(page: Page, worker: Worker, payload: unknown): Promise<void> {
  const before = await countPushes(worker);
  const cdp = await page.context().newCDPSession(page);
  try {
    const registrationId = await new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const reg = registrations.find((r) => !r.isDeleted);
        if (reg) resolve(reg.registrationId);
      });
      void cdp.send('ServiceWorker.enable');
    });
    const origin = new URL(page.url()).origin;
    const send = () => cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(payload) });
    await send();
    if (await receivedWithin(worker, before, 5_000)) return;
    console.warn(`[e2e] the worker did not receive a push DevTools accepted within 5 s (registration ${registrationId}); delivering it again`);
    await send();
    if (await receivedWithin(worker, before, 10_000)) return;
    throw new Error(`the worker never received the push DevTools accepted, delivered twice (registration ${registrationId}, ${before} received before it)`);
  } finally {
    await cdp.detach().catch(() => {});
  }
}

async function receivedWithin(worker: Worker, before: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if ((await pushesReceived(worker)) > before) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The push events the worker received so far, counted by a listener of the test's beside the
 * app's own (added on first use: a listener added after the worker's first evaluation still
 * runs, Chromium only warns).
 */
function countPushes(worker: Worker): Promise<number> {
  return worker.evaluate(() => {
    const scope = self as unknown as { __pushesReceived?: number; addEventListener(type: 'push', l: () => void): void };
    if (scope.__pushesReceived === undefined) {
      scope.__pushesReceived = 0;
      scope.addEventListener('push', () => void (scope.__pushesReceived! += 1));
    }
    return scope.__pushesReceived;
  });
}

function pushesReceived(worker: Worker): Promise<number> {
  return worker.evaluate(() => (self as unknown as { __pushesReceived: number }).__pushesReceived);
}

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { conversationId: string; messageId: string; count: number } | null;
}

/** What `self.registration.getNotifications()` lists in the worker. */
export function shownNotifications(worker: Worker): Promise<ShownNotification[]> {
  return worker.evaluate(async () => {
    const reg = (self as unknown as { registration: ServiceWorkerRegistration }).registration;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data ?? null }));
  });
}

/**
 * What the worker printed (the handlers log a push they ignore or fail on) and whether it went
 * away, kept to explain a failed wait: a notification that never shows says nothing by itself.
 */
export function watchWorker(worker: Worker): string[] {
  const lines: string[] = [];
  worker.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  worker.on('close', () => lines.push('(the worker closed)'));
  return lines;
}

/** Waits until the worker shows exactly `expected`; on failure the error carries the worker's log and permission. */
export async function expectNotifications(worker: Worker, log: readonly string[], expected: ShownNotification[], timeout = 20_000): Promise<void> {
  try {
    await expect.poll(() => shownNotifications(worker), { timeout, interval: 100 }).toEqual(expected);
  } catch (error) {
    const permission = await worker.evaluate(() => (self as unknown as { Notification: { permission: string } }).Notification.permission).catch((e: Error) => `(not asked: ${e.message})`);
    (error as Error).message += `\nworker log:\n  ${log.join('\n  ') || '(nothing)'}\nnotification permission: ${permission}`;
    throw error;
  }
}

export function closeNotifications(worker: Worker): Promise<void> {
  return worker.evaluate(async () => {
    const reg = (self as unknown as { registration: ServiceWorkerRegistration }).registration;
    for (const n of await reg.getNotifications()) n.close();
  });
}

/**
 * A click on the chat's notification, as the browser would dispatch it (there is no DevTools call
 * for that): a NotificationEvent for the shown notification, dispatched in the worker.
 */
export function clickNotification(worker: Worker, tag: string): Promise<boolean> {
  return worker.evaluate(async (t) => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration; dispatchEvent(e: Event): boolean };
    const [notification] = await scope.registration.getNotifications({ tag: t });
    if (!notification) return false;
    const Ctor = (self as unknown as { NotificationEvent: new (type: string, init: { notification: Notification }) => Event }).NotificationEvent;
    scope.dispatchEvent(new Ctor('notificationclick', { notification }));
    return true;
  }, tag);
}
