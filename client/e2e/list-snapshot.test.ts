/**
 * The list snapshot (issue #20; client/src/boot/list-snapshot.ts): a device that used the app
 * shows, on its next cold open onto the list, the picture of its list the messenger last kept,
 * before the entry module has even run; the app's own list (the first paint from IndexedDB) then
 * replaces it without a pixel moving. Here the entry module is held at the network (no service
 * worker), so the picture can be looked at alone.
 * `PIGEON_E2E_SHOTS=<dir>` saves list-snapshot-{desktop,phone}.png (the picture, the entry held).
 *
 * And what it must never do: outlive what it stands for. The database's list wins over a stale
 * picture; a sign-out forgets it; another account, a chat's link or another build never see it.
 */
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_KEY } from '../src/boot/list-snapshot.ts';
import { MARK, type ListMarkDetail } from '../src/perf/marks.ts';
import { conversationPreview as preview, conversationRow as row, DESKTOP, dmId, PHONE, signIn, useBrowserCluster } from './harness.ts';
import { annWithTwoChats, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();
const ENTRY = '**/assets/index-*.js';
const ENGINE_CHUNK = '**/assets/start-engine-*.js';
const SNAPSHOT = '.list-snapshot';

const listMarks = (page: Page) =>
  page.evaluate((n) => performance.getEntriesByName(n, 'mark').map((m) => (m as PerformanceMark).detail as ListMarkDetail), MARK.listRendered);
const stored = (page: Page) => page.evaluate((key) => localStorage.getItem(key), SNAPSHOT_KEY);
/** The names of the rows drawn, top to bottom, in the picture or in the app. */
const names = (page: Page, scope: string) => page.locator(`${scope} .item__name`).allInnerTexts();

/** Ann with chats from Ben (a draft typed in it) and Cara, signed in on a device without a service worker; her snapshot kept. */
async function setUp(viewport: typeof DESKTOP) {
  const { ann, ben, annName, benName, caraName } = await annWithTwoChats(cluster.server);
  const device = await cluster.device({ viewport, serviceWorkers: 'block' });
  const { page } = device;
  await signIn(page, annName);
  await expect.poll(() => preview(page, caraName).innerText(), WAIT).toContain('See you soon');
  await row(page, benName).click();
  await page.getByTestId('composer-input').fill('On my way');
  if (viewport === PHONE) await page.getByTestId('chat-back').click();
  await page.evaluate(() => history.replaceState(null, '', '/'));
  // Kept when idle after the list changed (reading Ben's message did), with the draft written through.
  await expect.poll(async () => (await stored(page)) ?? '', { timeout: 30_000, interval: 200 }).toContain('On my way');
  return { ...device, ann, ben, annName, benName, caraName };
}

/** Holds what `pattern` asks for from now on; `release` waits until something was asked for, then lets it through. */
async function holdNext(device: { context: Awaited<ReturnType<typeof setUp>>['context'] }, pattern: string) {
  const held: Route[] = [];
  await device.context.route(pattern, (route) => void held.push(route));
  return {
    async release() {
      await expect.poll(() => held.length, WAIT).toBeGreaterThan(0);
      for (const route of held.splice(0)) await route.continue();
      await device.context.unroute(pattern);
    },
  };
}

/** Reloads (or loads `url` afresh) with `pattern` held at the network. */
async function reloadHolding(device: Awaited<ReturnType<typeof setUp>>, pattern: string, url?: string) {
  const held = await holdNext(device, pattern);
  if (url) {
    await device.page.goto('about:blank');
    await device.page.goto(url, { waitUntil: 'commit' });
  } else await device.page.reload({ waitUntil: 'commit' });
  return held;
}

/**
 * Stores `raw` as the snapshot and keeps this page from writing its own over it (on an idle moment,
 * or when hidden on the way out): the next load must find `raw`.
 */
async function storeAndFreeze(page: Page, raw: string): Promise<void> {
  await page.evaluate(
    ([key, value]) => {
      const setItem = Storage.prototype.setItem;
      setItem.call(localStorage, key, value);
      Storage.prototype.setItem = function (k: string, v: string) {
        if (k !== key) setItem.call(this, k, v);
      };
    },
    [SNAPSHOT_KEY, raw] as const,
  );
}

describe('List snapshot', () => {
  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`${label}: shows the list before the entry runs, then the app's list takes over with the same pixels`, async () => {
      const device = await setUp(viewport);
      const { page, benName, caraName } = device;
      const expected = await names(page, '[data-testid="conversation-list"]');
      const entry = await reloadHolding(device, ENTRY);
      const picture = page.locator(SNAPSHOT);
      await picture.waitFor();
      expect(await names(page, SNAPSHOT)).toEqual(expected);
      expect(await picture.innerText()).toContain('Draft: On my way');
      expect(await picture.innerText()).toContain('See you soon');
      expect(await picture.evaluate((el) => (el as HTMLElement).inert)).toBe(true);
      // No test id of the app's: the picture is never mistaken for it.
      expect(await page.getByTestId('conversation-item').count()).toBe(0);
      await expect.poll(() => listMarks(page), WAIT).toEqual([{ conversations: 2, source: 'snapshot' }]);
      expect(await page.evaluate(() => performance.getEntriesByName('pigeon:boot', 'mark').length)).toBe(0); // the entry has not run
      await shot(page, `list-snapshot-${label}`);
      const before = await page.locator(`${SNAPSHOT} .messenger__sidebar`).screenshot();

      // The entry runs, the engine's chunk held: the first paint from IndexedDB replaces the picture.
      const engine = await holdNext(device, ENGINE_CHUNK);
      await entry.release();
      await page.getByTestId('first-paint').waitFor();
      await picture.waitFor({ state: 'detached' });
      const after = await page.locator('.messenger__sidebar').screenshot();
      expect(after.equals(before)).toBe(true);
      expect(await preview(page, benName).innerText()).toBe('Draft: On my way');
      await engine.release();
      await expect.poll(() => page.evaluate((n) => performance.getEntriesByName(n, 'mark').length, MARK.listLive), WAIT).toBe(1);
      expect(await listMarks(page)).toHaveLength(1); // once per page, by the picture
      expect(await preview(page, caraName).innerText()).toContain('See you soon');
    });
  }

  it('is drawn again only when what it shows changed', async () => {
    const { page } = await setUp(DESKTOP);
    // Counts the snapshot's writes from here (kept by setUp: what it shows has not changed since).
    await page.evaluate((key) => {
      const counted = globalThis as { snapshotWrites?: number };
      counted.snapshotWrites = 0;
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k: string, v: string) {
        if (k === key) counted.snapshotWrites! += 1;
        setItem.call(this, k, v);
      };
    }, SNAPSHOT_KEY);
    // The page hidden (switched away from): each time a write, which finds nothing changed.
    const hide = () =>
      page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
        delete (document as { visibilityState?: unknown }).visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
      });
    for (let i = 0; i < 3; i++) await hide();
    await page.getByTestId('composer-input').fill('Running late');
    await expect.poll(async () => (await hide(), (await stored(page)) ?? ''), { timeout: 30_000, interval: 300 }).toContain('Running late');
    // The writes are one after the other: the three before the draft came before this one, and stored nothing.
    expect(await page.evaluate(() => (globalThis as { snapshotWrites?: number }).snapshotWrites)).toBe(1);
  });

  it('a stale picture is replaced by what the database holds', async () => {
    const device = await setUp(PHONE);
    const { page, caraName } = device;
    const raw = (await stored(page))!;
    await storeAndFreeze(page, raw.replace('See you soon', 'Words never sent'));
    const entry = await reloadHolding(device, ENTRY);
    await page.locator(SNAPSHOT).waitFor();
    expect(await page.locator(SNAPSHOT).innerText()).toContain('Words never sent');
    await entry.release();
    await page.locator(SNAPSHOT).waitFor({ state: 'detached' });
    await expect.poll(() => preview(page, caraName).innerText(), WAIT).toContain('See you soon');
    expect(await page.locator('body').innerText()).not.toContain('Words never sent');
  });

  it('never stands over a list emptied since it was kept: it goes once the messenger has loaded none', async () => {
    const device = await setUp(DESKTOP);
    const { page } = device;
    await storeAndFreeze(page, (await stored(page))!);
    // The chats gone from this device since the picture was kept (the engine's own store, emptied under it).
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('pigeon');
          open.onsuccess = () => {
            const tx = open.result.transaction('conversations', 'readwrite');
            tx.objectStore('conversations').clear();
            tx.oncomplete = () => (open.result.close(), resolve());
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    const entry = await reloadHolding(device, ENTRY);
    await page.locator(SNAPSHOT).waitFor();
    await entry.release();
    await page.getByTestId('me-name').waitFor();
    // Well before the 10 s bound: removed by the messenger's loaded (empty) list, not by the time.
    await page.locator(SNAPSHOT).waitFor({ state: 'detached', timeout: 5000 });
    expect(await page.getByTestId('conversation-item').count()).toBe(0);
  });

  it('is forgotten on sign-out, and never shown to another account, on a chat link or by another build', async () => {
    const device = await setUp(DESKTOP);
    const { page, ann, ben, benName } = device;
    const kept = (await stored(page))!;
    const reloadSeesPicture = async (url?: string) => {
      const entry = await reloadHolding(device, ENTRY, url);
      // Parsed (readyState leaves 'loading' before the held entry runs): the picture's script, at the end of the body, has run.
      await page.waitForFunction(() => document.readyState !== 'loading');
      const shown = await page.locator(SNAPSHOT).count();
      await entry.release();
      return shown;
    };
    // Under another account's hint (signed in last time as someone else).
    await storeAndFreeze(page, kept);
    await page.evaluate(() => localStorage.setItem('pigeon:signed-in-hint', 'someone-else'));
    expect(await reloadSeesPicture()).toBe(0);
    await row(page, benName).waitFor();
    // Another build (its entry's name in the picture is not this page's).
    await storeAndFreeze(page, kept.replace(/"build":"[^"]*"/, '"build":"/assets/index-older.js"'));
    expect(await reloadSeesPicture()).toBe(0);
    await row(page, benName).waitFor();
    // A chat's link opens onto the chat, never the list's picture.
    await storeAndFreeze(page, kept);
    const chat = new URL('/', page.url());
    chat.hash = `#/c/${encodeURIComponent(dmId(ann.user.id, ben.user.id))}`;
    expect(await reloadSeesPicture(chat.toString())).toBe(0);
    await page.getByTestId('chat-title').waitFor();
    // And the same snapshot, on the list, is shown: the checks above were not vacuous.
    await storeAndFreeze(page, kept);
    expect(await reloadSeesPicture(new URL('/', page.url()).toString())).toBe(1);
    // Sign-out forgets it; the next open is the sign-in page, with no picture before it.
    await page.goto(new URL('/', page.url()).toString());
    await row(page, benName).waitFor();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-out-confirm').click();
    await page.getByTestId('auth-username').waitFor();
    expect(await stored(page)).toBeNull();
    expect(await reloadSeesPicture()).toBe(0);
    await page.getByTestId('auth-username').waitFor();
  });
});
