/**
 * Issue #19, item 4: on a new device the people of the cached chats are stored with them. The
 * profile lookups are slow here (1.5 s); the network goes away the moment the chat list shows,
 * and the page is reloaded offline: every chat, header and group sender has its name, none says
 * "Unknown contact" or "Unknown user".
 */
import { describe, expect, it } from 'vitest';
import { apiPost, PASSWORD, signIn, uniqueName, useBrowserCluster, waitForServiceWorker, type ApiAuth } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();
const UNKNOWN = /Unknown (contact|user)/;

async function register(username: string, displayName: string): Promise<ApiAuth> {
  return apiPost<ApiAuth>(cluster.server, '/api/auth/register', { username, password: PASSWORD, displayName });
}

describe('Names offline on a new device', () => {
  it('a new browser that lost the network right after its chat list showed still names everyone after a reload', async () => {
    const [annName, bobName, catName, danName] = ['ann', 'bob', 'cat', 'dan'].map((p) => uniqueName(p));
    const ann = await register(annName!, 'Ann Archer');
    const bob = await register(bobName!, 'Bob Builder');
    const cat = await register(catName!, 'Cat Chalmers');
    const dan = await register(danName!, 'Dan Dreiberg');
    let n = 0;
    const clientId = () => `e2e-names-${Date.now().toString(36)}-${++n}`;
    await apiPost(cluster.server, '/api/messages', { clientId: clientId(), to: ann.user.id, body: 'Hello Ann' }, bob.token);
    const { conversation } = await apiPost<{ conversation: { id: string } }>(
      cluster.server,
      '/api/conversations',
      { clientId: clientId(), title: 'Road trip', memberIds: [ann.user.id, dan.user.id] },
      cat.token,
    );
    await apiPost(cluster.server, '/api/messages', { clientId: clientId(), conversationId: conversation.id, body: 'I bring the tent' }, dan.token);

    const { page, context, net } = await cluster.device();
    await waitForServiceWorker(page);
    // Slow profile lookups: the conversation list (1:1 peers) and users by id (group people).
    await context.route(/\/api\/(messages\/conversations|users\?ids=)/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue().catch(() => {});
    });
    await signIn(page, annName!);
    const items = page.getByTestId('conversation-item');
    await expect.poll(() => items.count(), WAIT).toBe(2);
    await net.setOffline(true);

    const reload = await page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    await expect.poll(() => items.count(), WAIT).toBe(2);
    const list = page.getByTestId('conversation-list');
    expect(await list.innerText()).not.toMatch(UNKNOWN);
    expect(await list.innerText()).toContain('Bob Builder');
    expect(await list.innerText()).toContain('Road trip');

    await page.locator(`[data-testid="conversation-item"][data-peer-username="${bobName}"]`).click();
    await page.getByTestId('chat-pane').waitFor(WAIT);
    await expect.poll(() => page.getByTestId('chat-pane').innerText(), WAIT).toContain('Hello Ann');
    expect(await page.getByTestId('chat-pane').innerText()).toContain('Bob Builder');
    expect(await page.locator('body').innerText()).not.toMatch(UNKNOWN);

    await page.locator('[data-testid="conversation-item"][data-type="group"]').click();
    await expect.poll(() => page.locator('body').innerText(), WAIT).toContain('I bring the tent');
    const body = await page.locator('body').innerText();
    expect(body).not.toMatch(UNKNOWN);
    expect(body).toContain('Dan Dreiberg');
    if (process.env.PIGEON_SHOTS_DIR) await page.screenshot({ path: `${process.env.PIGEON_SHOTS_DIR}/offline-names-desktop.png` });
  });
});
