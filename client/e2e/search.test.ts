/**
 * Search in the PWA, against the real server (issue #18):
 *   1. offline, a word is found in the device's messages (a note says so) and the chat opens at
 *      that message, far above its first page: the window widens to it, it is highlighted and
 *      focused; the keyboard drives it (ArrowDown, Enter, Esc);
 *   2. online, a message older than what the device holds is found by the server and opened,
 *      its history loaded around it (queries.messagesAround);
 *   3. people search matches a later word of a display name ("cur" finds Marie Curie).
 * PIGEON_E2E_SHOTS=<dir> also saves the docs' screenshots (search-*.png, phone and desktop, light and dark).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dismissUpdatePrompt } from './actions-helpers.ts';
import { bubbles, DESKTOP, PHONE, signIn, signUp, uniqueName, useBrowserCluster, type ApiAuth } from './harness.ts';
import { apiSend, focusedMessageId, forgetOldMessages, markedWords, messageResults, messageResultsFor, register, search, shot, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();

/** `count` short messages back and forth after the first ones. */
async function filler(a: ApiAuth, b: ApiAuth, count: number): Promise<string> {
  let last = '';
  for (let i = 1; i <= count; i++) {
    last = `Filler ${i}`;
    await apiSend(cluster.server, i % 2 ? a : b, i % 2 ? b : a, last);
  }
  return last;
}

async function waitForPreview(page: Page, text: string): Promise<void> {
  await expect.poll(() => page.getByTestId('conversation-preview').allInnerTexts(), WAIT).toContainEqual(expect.stringContaining(text));
}

/** The found message is on screen, highlighted and focused, in a chat opened at it. */
async function expectShownAt(page: Page, messageId: string): Promise<void> {
  const bubble = page.locator(`[data-testid="message-bubble"][data-message-id="${messageId}"]`);
  await bubble.waitFor(WAIT);
  await expect.poll(() => bubble.getAttribute('class'), WAIT).toMatch(/bubble--highlight/);
  expect(await focusedMessageId(page)).toBe(messageId);
  const box = await bubble.boundingBox();
  const height = page.viewportSize()!.height;
  expect(box !== null && box.y >= 0 && box.y + box.height <= height).toBe(true);
  // The route drops the message once shown (opening it again is a change of the URL).
  await expect.poll(() => page.evaluate(() => location.hash), WAIT).toMatch(/^#\/c\/[^/]+$/);
}

describe('Search', () => {
  it('offline: finds a word on the device and opens the chat at that message, far up its history (keyboard)', async () => {
    const [annName, benName] = [uniqueName('ann'), uniqueName('ben')];
    const ann = await register(cluster.server, annName, 'Ann Lee');
    const ben = await register(cluster.server, benName, 'Ben Ode');
    const target = await apiSend(cluster.server, ben, ann, 'The pelican lands at noon by the old pier');
    const last = await filler(ann, ben, 120);

    const { page, net } = await cluster.device();
    await signIn(page, annName);
    await dismissUpdatePrompt(page);
    await waitForPreview(page, last);
    await net.setOffline(true);
    await expect.poll(() => page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('offline');

    await search(page, 'PELIC');
    expect(await messageResultsFor(page, 'PELIC')).toBe(1);
    const hit = messageResults(page).first();
    expect(await hit.getAttribute('data-source')).toBe('device');
    expect(await hit.getAttribute('data-message-id')).toBe(target);
    expect(await markedWords(page)).toEqual([['pelican']]);
    expect(await hit.getByTestId('message-result-chat').innerText()).toBe('Ben Ode');
    expect(await hit.getByTestId('message-result-sender').innerText()).toMatch(/^Ben Ode:/);
    await page.getByTestId('message-results-device-only').waitFor(WAIT);
    // A word that no message has: nothing, and said so.
    await search(page, 'pelicans');
    expect(await messageResultsFor(page, 'pelicans')).toBe(0);

    // Keyboard: ArrowDown from the box reaches the result, Enter opens it.
    await search(page, 'pier pelic');
    expect(await messageResultsFor(page, 'pier pelic')).toBe(1);
    await page.getByTestId('people-search').press('ArrowDown');
    // The box keeps the focus (a combobox, issue #19): the result is its active option.
    expect(await page.getByTestId('people-search').getAttribute('aria-activedescendant')).toBe(await messageResults(page).first().getAttribute('id'));
    await page.keyboard.press('Enter');
    await expectShownAt(page, target);
    // It was 121 messages up: the window of loaded messages widened past its first page to reach it
    // (the list tells each row's place among all the loaded rows), and it is the oldest row but its day.
    const found = page.locator(`[data-testid="message-bubble"][data-message-id="${target}"]`);
    expect(Number(await found.getAttribute('aria-setsize'))).toBeGreaterThan(121);
    expect(Number(await found.getAttribute('aria-posinset'))).toBe(2);
    // Only the rows around it are drawn (the list is windowed).
    expect(await bubbles(page).count()).toBeLessThan(100);

    // Esc clears the box.
    await search(page, 'pelican');
    await expect.poll(() => messageResults(page).count(), WAIT).toBe(1);
    await page.getByTestId('people-search').press('Escape');
    expect(await page.getByTestId('people-search').inputValue()).toBe('');
    expect(await page.getByTestId('search-results').count()).toBe(0);
    await net.setOffline(false);
  });

  it('online: finds a message older than what the device holds and opens it, loading history around it', async () => {
    const [calName, deeName] = [uniqueName('cal'), uniqueName('dee')];
    const cal = await register(cluster.server, calName, 'Cal Ray');
    const dee = await register(cluster.server, deeName, 'Dee Fox');
    const target = await apiSend(cluster.server, dee, cal, 'Did you feed the walrus?');
    const last = await filler(cal, dee, 130);

    const { page } = await cluster.device({ viewport: PHONE });
    await signIn(page, calName);
    await dismissUpdatePrompt(page);
    await waitForPreview(page, last);
    // This device keeps only the newest 31 of the 131 messages. Its first catch-ups may bring old
    // rows back (their delivery re-statuses them on the server): forget again until none return.
    expect(await forgetOldMessages(page, 100)).toBe(100);
    for (let round = 0; ; round++) {
      await page.reload();
      await page.getByTestId('me-name').waitFor(WAIT);
      await expect.poll(() => page.getByTestId('connection-banner').getAttribute('data-state'), WAIT).toBe('online');
      await page.waitForTimeout(1_000);
      if ((await forgetOldMessages(page, 100)) === 0) break;
      expect(round).toBeLessThan(5);
    }

    await search(page, 'walr');
    expect(await messageResultsFor(page, 'walr')).toBe(1);
    const hit = messageResults(page).first();
    expect(await hit.getAttribute('data-source')).toBe('server');
    expect(await page.getByTestId('message-results').getAttribute('data-device-only')).toBe('false');
    expect(await page.getByTestId('message-results-device-only').count()).toBe(0);
    expect(await markedWords(page)).toEqual([['walrus']]);
    await hit.click();
    await expectShownAt(page, target);
    await shot(page, 'search-phone-opened-at-message');
  });

  it('a link to a message opens the chat at it; a malformed link shows the list', async () => {
    const [finName, gusName] = [uniqueName('fin'), uniqueName('gus')];
    const fin = await register(cluster.server, finName, 'Fin Cole');
    const gus = await register(cluster.server, gusName, 'Gus Hart');
    const target = await apiSend(cluster.server, gus, fin, 'The otter is back');
    const last = await filler(fin, gus, 80);
    const { page } = await cluster.device();
    await signIn(page, finName);
    await dismissUpdatePrompt(page);
    await waitForPreview(page, last);
    const href = await page.getByTestId('conversation-item').first().getAttribute('href');
    expect(href).toMatch(/^#\/c\//);

    await page.evaluate((hash) => (location.hash = hash), `${href}/m/${encodeURIComponent(target)}`);
    await expectShownAt(page, target);

    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.evaluate(() => (location.hash = '#/c/%E0%A4%A'));
    await page.getByTestId('conversation-list').waitFor(WAIT);
    expect(await page.getByTestId('chat-pane').count()).toBe(0);
    await page.reload();
    await page.getByTestId('conversation-list').waitFor(WAIT);
    expect(errors).toEqual([]);
  });

  it('people search finds a person by a later word of their name', async () => {
    const marieName = uniqueName('mc');
    await register(cluster.server, marieName, 'Marie Curie');
    const { page } = await cluster.device();
    await signUp(page, uniqueName('eve'), 'Eve');
    await search(page, 'cur');
    const person = page.locator(`[data-testid="person-result"][data-username="${marieName}"]`);
    await person.waitFor(WAIT);
    expect(await person.innerText()).toContain('Marie Curie');
  });

  it.runIf(process.env.PIGEON_E2E_SHOTS)('screenshots of the results (phone and desktop, light and dark)', async () => {
    const names = { alice: uniqueName('alice'), bob: uniqueName('bob'), carol: uniqueName('carol') };
    const alice = await register(cluster.server, names.alice, 'Alice Liddell');
    const bob = await register(cluster.server, names.bob, 'Bob Builder');
    const carol = await register(cluster.server, names.carol, 'Carol Danvers');
    await apiSend(cluster.server, bob, alice, 'Are we still on for lunch tomorrow? I found a new place near the station that does great ramen.');
    await apiSend(cluster.server, alice, bob, 'Yes! Lunch at 12:30 then');
    await apiSend(cluster.server, carol, alice, 'Thanks for lunch today, it was lovely');
    await apiSend(cluster.server, carol, alice, 'I left my umbrella at the restaurant after our long lunch, could you ask them to keep it for me until Friday?');
    await apiSend(cluster.server, alice, carol, 'Sure, I will call them');

    const { page, net } = await cluster.device();
    await signIn(page, names.alice);
    await dismissUpdatePrompt(page);
    await waitForPreview(page, 'Sure, I will call them');
    await search(page, 'lunch');
    await expect.poll(() => messageResults(page).count(), WAIT).toBe(4);
    await shot(page, 'search-desktop-results');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'search-desktop-results-dark');
    await page.setViewportSize(PHONE);
    await shot(page, 'search-phone-results-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'search-phone-results');
    await net.setOffline(true);
    await search(page, 'lunch umbr');
    await expect.poll(() => messageResults(page).count(), WAIT).toBe(1);
    await shot(page, 'search-phone-offline');
    await net.setOffline(false);
    await page.setViewportSize(DESKTOP);
  });
});
