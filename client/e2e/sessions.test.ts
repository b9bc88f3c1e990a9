/**
 * Sessions in the PWA, against the real server:
 *   1. account switch: A's message typed offline survives A's sign-out, B's sign-in and
 *      sign-out on the same browser, and is delivered exactly once when A signs in again;
 *   2. "Send them first": the sign-out waits for the outbox and then happens by itself;
 *   3. two tabs: signing out in one shows the sign-in page in the other by itself (about 0.2 s when idle).
 * Every test also fails on a Content-Security-Policy violation (csp-guard.ts, via the harness).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  apiPost,
  bubbles,
  focusInDialog,
  openChatWith,
  PASSWORD,
  sendMessage,
  signIn,
  signUp,
  uniqueName,
  useBrowserCluster,
  type ApiAuth,
  type TestServer,
} from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };

const cluster = useBrowserCluster();

/** A fresh account made through the API (as another person on another device would). */
const register = (name: string) => apiPost<ApiAuth>(cluster.server, '/api/auth/register', { username: name, password: PASSWORD, displayName: name });

async function apiGet<T>(server: TestServer, path: string, token: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The bodies of the server's copy of a direct conversation, as its peer sees it. */
async function serverBodies(peerName: string, withUserId: string): Promise<string[]> {
  const peer = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: peerName, password: PASSWORD });
  const { messages } = await apiGet<{ messages: { body: string }[] }>(cluster.server, `/api/messages/conversation?with=${withUserId}&limit=200`, peer.token);
  return messages.map((m) => m.body);
}

/** In the page: resolves with Date.now() when the sign-in form is first in the DOM. */
function whenSignInShows(): Promise<number> {
  const shown = () => document.querySelector('[data-testid="auth-form"]') !== null;
  return new Promise((resolve) => {
    if (shown()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (!shown()) return;
      observer.disconnect();
      resolve(Date.now());
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
}

async function signOut(page: Page, button: 'sign-out-confirm' | 'sign-out-wait' = 'sign-out-confirm'): Promise<void> {
  await page.getByTestId('sign-out').click();
  await page.getByTestId(button).click();
}

describe('Sessions', () => {
  it('keeps a message typed offline across an account switch and delivers it once when its account signs in again', async () => {
    const peerName = uniqueName('peer');
    const benName = uniqueName('ben');
    const annaName = uniqueName('anna');
    await Promise.all([register(peerName), register(benName)]);
    const { page, net } = await cluster.device();

    await signUp(page, annaName, 'Anna');
    await openChatWith(page, peerName);
    await net.setOffline(true);
    await sendMessage(page, 'typed offline before switching accounts');
    await expect.poll(() => bubbles(page).last().getAttribute('data-status'), WAIT).toBe('pending');

    // "1 message not sent yet"; Anna signs out anyway: it stays queued for her.
    // (The dialog is loaded on demand, here offline: once mounted it opens modal, focus inside.)
    await page.getByTestId('sign-out').click();
    await expect.poll(() => page.getByTestId('sign-out-unsent').innerText(), WAIT).toMatch(/^1 message not sent yet/);
    expect(await focusInDialog(page)).toBe(true);
    expect(await page.getByTestId('sign-out-confirm').innerText()).toBe('Sign out anyway');
    await page.getByTestId('sign-out-confirm').click();
    await page.getByTestId('auth-form').waitFor(WAIT);
    await net.setOffline(false);

    // Ben, on the same browser, sees nothing of Anna's and sends nothing for her.
    await signIn(page, benName);
    await expect.poll(() => page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('online');
    expect(await page.getByTestId('connection-banner').getAttribute('data-outbox')).toBe('0');
    expect(await page.getByTestId('conversation-item').count()).toBe(0);
    await signOut(page);
    await page.getByTestId('auth-form').waitFor(WAIT);

    // Anna again: her message is there and goes out, once.
    await signIn(page, annaName);
    await page.locator(`[data-testid="conversation-item"][data-peer-username="${peerName}"]`).click();
    await expect.poll(() => bubbles(page).last().getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    await expect.poll(() => page.getByTestId('connection-banner').getAttribute('data-outbox'), WAIT).toBe('0');
    const anna = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: annaName, password: PASSWORD });
    expect(await serverBodies(peerName, anna.user.id)).toEqual(['typed offline before switching accounts']);
    const ben = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: benName, password: PASSWORD });
    expect((await apiGet<{ conversations: unknown[] }>(cluster.server, '/api/messages/conversations', ben.token)).conversations).toEqual([]);
  });

  it('"Send them first" keeps the user signed in until the unsent messages are out, then signs out by itself', async () => {
    const peerName = uniqueName('peer');
    const carlaName = uniqueName('carla');
    await register(peerName);
    const { page, net } = await cluster.device();
    await signUp(page, carlaName, 'Carla');
    await openChatWith(page, peerName);
    await net.setOffline(true);
    await sendMessage(page, 'one');
    await sendMessage(page, 'two');
    await expect.poll(() => page.getByTestId('connection-banner').getAttribute('data-outbox'), WAIT).toBe('2');

    await signOut(page, 'sign-out-wait');
    await expect.poll(() => page.getByTestId('sign-out-waiting').innerText(), WAIT).toMatch(/Sending 2 messages/);
    expect(await page.getByTestId('me-name').count()).toBe(1); // still signed in
    await net.setOffline(false);
    await page.getByTestId('auth-form').waitFor(WAIT);
    const carla = await apiPost<ApiAuth>(cluster.server, '/api/auth/login', { username: carlaName, password: PASSWORD });
    expect(await serverBodies(peerName, carla.user.id)).toEqual(['one', 'two']);
  });

  it('"Send them first" works offline on a first visit, before any service worker could cache the app', async () => {
    // No service worker at all: what the page has is what it fetched while online. The dialog used to be a
    // chunk of its own fetched on the first click, which failed offline (and flaked in full runs under load,
    // when the network went before the service worker's install had cached it).
    const peerName = uniqueName('peer');
    await register(peerName);
    const { page, net } = await cluster.device({ serviceWorkers: 'block' });
    await signUp(page, uniqueName('emil'), 'Emil');
    await openChatWith(page, peerName);
    await net.setOffline(true);
    await sendMessage(page, 'queued');
    await expect.poll(() => page.getByTestId('connection-banner').getAttribute('data-outbox'), WAIT).toBe('1');
    await signOut(page, 'sign-out-wait');
    await expect.poll(() => page.getByTestId('sign-out-waiting').innerText(), WAIT).toMatch(/Sending 1 message/);
    expect(await focusInDialog(page)).toBe(true);
    await net.setOffline(false);
    await page.getByTestId('auth-form').waitFor(WAIT);
  });

  it('a sign-out in one tab shows the sign-in page in the other tab by itself', async () => {
    const { context, page: tab1 } = await cluster.device();
    await signUp(tab1, uniqueName('dora'), 'Dora');
    const tab2 = await context.newPage();
    await tab2.goto('/');
    await tab2.getByTestId('me-name').waitFor(WAIT);

    await tab1.getByTestId('sign-out').click();
    // Timestamped in each page the moment the sign-in form is in its DOM (a locator's polling is coarser).
    const shownInTab1 = tab1.evaluate(whenSignInShows);
    const shownInTab2 = tab2.evaluate(whenSignInShows);
    const clicked = Date.now();
    await tab1.getByTestId('sign-out-confirm').click();
    const [own, other] = await Promise.all([shownInTab1, shownInTab2]);
    // No timing assertion (a loaded CI machine would make it flaky, and speed belongs to the
    // bench): the other tab got there by itself, without a reload, through the storage event.
    // The delay is printed for the record; on an idle machine it is about 0.2 s.
    console.info(`cross-tab sign-out: this tab after ${own - clicked} ms, the other after ${other - clicked} ms`);
    expect(other).toBeGreaterThanOrEqual(clicked);
    expect(await tab2.getByTestId('auth-notice').count()).toBe(0); // a sign-out, not an expiry
  });

  it('the CSP guard notices a violation (so a broken guard cannot pass the suite)', async () => {
    const { page } = await cluster.device();
    await page.getByTestId('auth-form').waitFor(WAIT);
    // An inline script: the server's policy allows only the origin's own files.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
    });
    await expect.poll(() => cluster.cspViolations.length, WAIT).toBeGreaterThan(0);
    expect(cluster.cspViolations[0]).toMatchObject({ directive: 'script-src-elem' });
    expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    cluster.cspViolations.splice(0); // expected here; any other test fails on it
  });
});
