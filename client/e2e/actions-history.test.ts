/**
 * Message actions that need more than two browsers: a quote of a message older than the chat's
 * first page (a click loads it around the original and highlights it), and an edit the server
 * refuses for good (its action clock, a test hook, moved past the 15-minute window while this
 * device still thought it in time): the bubble shows the server's text again with a notice
 * that can be dismissed. Its own server (with the hook) and Chromium, as harness.ts starts them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TEST_SERVER_OPTIONS } from '../../tests/setup/test-server-options.ts';
import { bubbleWith, choose, dismissUpdatePrompt, rightClick, shot, WAIT } from './actions-helpers.ts';
import { assertNoCspViolations, type CspViolation } from './csp-guard.ts';
import { apiPost, bubbles, launchChromium, openChatWith, openDevice, PASSWORD, PHONE, signIn, signUp, uniqueName, waitForClientBuild, type ApiAuth, type Device } from './harness.ts';

/** How far the server's action clock runs ahead of real time (ms); moved by the test. */
let actionClockAheadMs = 0;
let server: { url: string; close(): Promise<void> } | undefined;
let browser: Browser | undefined;
let dataDir = '';
const devices: Device[] = [];
const csp: CspViolation[] = [];

beforeAll(async () => {
  await waitForClientBuild();
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-actions-'));
  const { startServer } = await import('../../server/src/index.ts');
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'warn',
    sendRateLimit: 0,
    ...BROWSER_TEST_SERVER_OPTIONS,
    testHooks: { actionClock: () => new Date(Date.now() + actionClockAheadMs) },
  });
  browser = await launchChromium();
});
afterEach(() => assertNoCspViolations(csp));
afterAll(async () => {
  for (const d of devices) await d.context.close().catch(() => {});
  await browser?.close();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function device(options: Parameters<typeof openDevice>[2] = {}): Promise<Device> {
  const d = await openDevice(browser!, server!.url, options, csp);
  devices.push(d);
  return d;
}

let counter = 0;
const clientId = () => `e2e-actions-${Date.now().toString(36)}-${++counter}`;

describe('Message actions (history, refusals)', () => {
  it('a quote of a message older than the first page loads the original and highlights it', async () => {
    const [annName, benName] = [uniqueName('ann'), uniqueName('ben')];
    const ann = await apiPost<ApiAuth>(server!, '/api/auth/register', { username: annName, password: PASSWORD, displayName: 'Ann' });
    const ben = await apiPost<ApiAuth>(server!, '/api/auth/register', { username: benName, password: PASSWORD, displayName: 'Ben' });
    const send = (from: ApiAuth, to: ApiAuth, body: string, replyTo?: string) =>
      apiPost<{ message: { id: string } }>(server!, '/api/messages', { clientId: clientId(), to: to.user.id, body, ...(replyTo ? { replyTo } : {}) }, from.token);
    const first = await send(ann, ben, 'The very first message');
    for (let i = 1; i <= 140; i++) await send(i % 2 ? ben : ann, i % 2 ? ann : ben, `Filler ${i}`);
    await send(ben, ann, 'Back to the start', first.message.id);

    const d = await device({ viewport: PHONE });
    await d.page.getByTestId('auth-username').waitFor(WAIT);
    await signIn(d.page, annName);
    await openChatWith(d.page, benName);
    const reply = bubbleWith(d.page, 'Back to the start');
    await reply.waitFor(WAIT);
    expect(await reply.getByTestId('quote-text').innerText()).toBe('The very first message');
    // The first pages (50, and the 50 more the list asks for while its top shows at first) do not reach back that far.
    expect(await bubbleWith(d.page, 'The very first message').count()).toBe(0);

    await reply.getByTestId('message-quote').click();
    const original = bubbleWith(d.page, 'The very first message');
    await original.waitFor(WAIT);
    await expect.poll(() => original.getAttribute('class'), WAIT).toMatch(/bubble--highlight/);
    const box = await original.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= PHONE.height).toBe(true);
    await shot(d.page, 'phone-quote-jump');
  });

  it('an edit the server refuses after the window shows a notice on the bubble, with dismiss', async () => {
    const [gilName, halName] = [uniqueName('gil'), uniqueName('hal')];
    const hal = await apiPost<ApiAuth>(server!, '/api/auth/register', { username: halName, password: PASSWORD, displayName: 'Hal' });
    const d = await device();
    await signUp(d.page, gilName, 'Gil');
    await dismissUpdatePrompt(d.page);
    await openChatWith(d.page, halName);
    const input = d.page.getByTestId('composer-input');
    await input.fill('Meet at six');
    await input.press('Enter');
    await expect.poll(() => bubbleWith(d.page, 'Meet at six').getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    void hal;

    // The server's action clock jumps 16 minutes ahead: the device still offers Edit, the server refuses it.
    actionClockAheadMs = 16 * 60_000;
    try {
      await rightClick(d.page, bubbleWith(d.page, 'Meet at six'));
      await choose(d.page, 'edit');
      await expect.poll(() => input.inputValue(), WAIT).toBe('Meet at six');
      await input.fill('Meet at seven');
      await input.press('Enter');
      const notice = d.page.getByTestId('message-action-error');
      await notice.waitFor(WAIT);
      expect(await notice.innerText()).toBe('Edit not applied: the 15-minute window has closed');
      // The bubble shows the server's text again.
      await expect.poll(() => bubbleWith(d.page, 'Meet at six').count(), WAIT).toBe(1);
      expect(await bubbles(d.page).getByTestId('message-edited').count()).toBe(0);
      await shot(d.page, 'desktop-action-error');
      await d.page.getByTestId('message-action-dismiss').click();
      await notice.waitFor({ state: 'detached', ...WAIT });
    } finally {
      actionClockAheadMs = 0;
    }
  });
});
