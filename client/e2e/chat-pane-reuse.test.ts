/**
 * Issue #20 (opening a chat): the 1:1 chat pane is mounted ahead, hidden, while no chat is open,
 * and stays mounted from one chat to the next (ChatPane.vue, useDirectChat.ts). Proves that it is
 * the same pane (its composer is the same element), and that nothing of the chat left goes with
 * it: not its reply mode or text, not its read receipts (a message arriving there stays unread),
 * not its sends. The group pane is kept from one group to the next the same way.
 */
import { describe, expect, it } from 'vitest';
import { bubbleWith, choose, dismissUpdatePrompt, rightClick } from './actions-helpers.ts';
import { apiPost, conversationPreview as preview, conversationRow as row, DESKTOP, PHONE, signIn, useBrowserCluster } from './harness.ts';
import { annWithTwoChats, apiSend, WAIT } from './search-helpers.ts';

const cluster = useBrowserCluster();

describe('Chat pane kept across chats', () => {
  it('desktop: one pane, ahead and then for each chat, with nothing of the previous chat left in it', async () => {
    const { ann, ben, annName, benName, caraName } = await annWithTwoChats(cluster.server);
    const { page } = await cluster.device({ viewport: DESKTOP });
    await signIn(page, annName);
    await dismissUpdatePrompt(page);
    await expect.poll(() => preview(page, benName).innerText(), WAIT).toContain('Lunch at noon?');

    // Before any chat: the pane is in the page (mounted in idle time), unseen, inert and not found as the open chat.
    const ahead = page.locator('.messenger__chat > section.pane');
    await expect.poll(() => ahead.count(), WAIT).toBe(1);
    expect(await ahead.isVisible()).toBe(false);
    expect(await ahead.getAttribute('inert')).not.toBeNull();
    expect(await page.getByTestId('chat-pane').count()).toBe(0);
    await page.getByTestId('composer-input').evaluate((el) => ((el as HTMLElement & { mark?: string }).mark = 'ahead'));

    // Ben's chat opens in that same pane: a reply begun, text typed.
    await row(page, benName).click();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Ben Ode');
    const input = page.getByTestId('composer-input');
    expect(await input.evaluate((el) => (el as HTMLElement & { mark?: string }).mark)).toBe('ahead');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')), WAIT).toBe('composer-input');
    await rightClick(page, bubbleWith(page, 'Lunch at noon?'));
    await choose(page, 'reply');
    await expect.poll(() => page.getByTestId('composer').getAttribute('data-mode'), WAIT).toBe('reply');
    await input.fill('Yes, at the usual');

    // Cara's chat: the same composer element, in its own state: no reply, no text, the focus in it.
    await row(page, caraName).click();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Cara Dune');
    expect(await input.evaluate((el) => (el as HTMLElement & { mark?: string }).mark)).toBe('ahead');
    expect(await page.getByTestId('composer').getAttribute('data-mode')).toBe('new');
    expect(await input.inputValue()).toBe('');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')), WAIT).toBe('composer-input');
    expect(await page.getByTestId('chat-pane').getAttribute('data-conversation-id')).toContain(ann.user.id);
    await expect.poll(() => bubbleWith(page, 'See you soon').count(), WAIT).toBe(1);
    expect(await bubbleWith(page, 'Lunch at noon?').count()).toBe(0);

    // Ben writes again meanwhile: his chat is not the open one any more, so it stays unread.
    await apiSend(cluster.server, ben, ann, 'Or at one?');
    await expect.poll(() => preview(page, benName).innerText(), WAIT).toContain('Draft: Yes, at the usual');
    await expect.poll(() => row(page, benName).getByTestId('unread-badge').count(), WAIT).toBe(1);
    // A send here goes to Cara, not to Ben.
    await input.fill('Sounds good');
    await input.press('Enter');
    await expect.poll(() => preview(page, caraName).innerText(), WAIT).toContain('Sounds good');
    await page.waitForTimeout(500); // time for a stray read receipt of the chat left
    expect(await row(page, benName).getByTestId('unread-badge').innerText()).toMatch(/^1/);

    // Back to Ben's: his draft is back (the reply mode was the chat's moment, gone with it), and his new message is read.
    await row(page, benName).click();
    await expect.poll(() => input.inputValue(), WAIT).toBe('Yes, at the usual');
    expect(await input.evaluate((el) => (el as HTMLElement & { mark?: string }).mark)).toBe('ahead');
    await expect.poll(() => bubbleWith(page, 'Or at one?').count(), WAIT).toBe(1);
    await expect.poll(() => row(page, benName).getByTestId('unread-badge').count(), WAIT).toBe(0);
    expect(await bubbleWith(page, 'Sounds good').count()).toBe(0);

    // Closed (Esc), the pane waits again, unseen, with no chat in it.
    await page.getByTestId('message-list').click();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('chat-pane').count(), WAIT).toBe(0);
    expect(await ahead.isVisible()).toBe(false);
    expect(await input.inputValue()).toBe('');
  });

  it('desktop: one group pane from one group to the next, and one composer in the page', async () => {
    const { ann, ben, annName, benName } = await annWithTwoChats(cluster.server);
    const group = (title: string) =>
      apiPost<{ conversation: { id: string } }>(cluster.server, '/api/conversations', { clientId: `e2e-reuse-${title}-${Date.now().toString(36)}`, title, memberIds: [ann.user.id, ben.user.id] }, ben.token);
    const [{ conversation: walk }, { conversation: books }] = [await group('Walks'), await group('Books')];
    const { page } = await cluster.device({ viewport: DESKTOP });
    await signIn(page, annName);
    await dismissUpdatePrompt(page);
    const groupRow = (id: string) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
    await groupRow(walk.id).waitFor(WAIT);
    await groupRow(books.id).waitFor(WAIT);

    await groupRow(walk.id).click();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Walks');
    // The 1:1 pane waiting ahead went: one composer in the page.
    expect(await page.getByTestId('composer-input').count()).toBe(1);
    const input = page.getByTestId('composer-input');
    await input.evaluate((el) => ((el as HTMLElement & { mark?: string }).mark = 'walks'));
    await input.fill('Sunday at ten?');

    await groupRow(books.id).click();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Books');
    expect(await page.locator('[data-testid="chat-pane"][data-type="group"]').getAttribute('data-conversation-id')).toBe(books.id);
    expect(await input.evaluate((el) => (el as HTMLElement & { mark?: string }).mark)).toBe('walks');
    expect(await input.inputValue()).toBe('');
    await input.fill('Dune next');
    await input.press('Enter');
    await expect.poll(() => groupRow(books.id).getByTestId('conversation-preview').innerText(), WAIT).toContain('Dune next');

    await groupRow(walk.id).click();
    await expect.poll(() => input.inputValue(), WAIT).toBe('Sunday at ten?');
    expect(await groupRow(walk.id).getByTestId('conversation-preview').innerText()).not.toContain('Dune next');

    // A 1:1 chat after a group: the 1:1 pane again, alone.
    await row(page, benName).click();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Ben Ode');
    expect(await page.getByTestId('composer-input').count()).toBe(1);
    expect(await page.locator('[data-testid="chat-pane"][data-type="group"]').count()).toBe(0);
  });

  it('phone: the pane waits laid out but unseen over the list, which stays usable, and a chat opens in it', async () => {
    const { annName, benName } = await annWithTwoChats(cluster.server);
    const { page } = await cluster.device({ viewport: PHONE });
    await signIn(page, annName);
    await dismissUpdatePrompt(page);
    const ahead = page.locator('.messenger__chat > section.pane');
    await expect.poll(() => ahead.count(), WAIT).toBe(1);
    expect(await ahead.isVisible()).toBe(false);
    // Laid out at the phone's size (not display: none), under nothing the user can see or reach.
    const box = await ahead.boundingBox();
    expect(box?.width).toBe(PHONE.width);
    expect(box?.height ?? 0).toBeGreaterThan(PHONE.height / 2);
    expect(await page.locator('main.messenger__chat').getAttribute('inert')).not.toBeNull();
    await page.getByTestId('composer-input').evaluate((el) => ((el as HTMLElement & { mark?: string }).mark = 'ahead'));

    await row(page, benName).click(); // the list under the waiting pane takes the tap
    await expect.poll(() => page.getByTestId('chat-title').innerText(), WAIT).toBe('Ben Ode');
    expect(await page.getByTestId('composer-input').evaluate((el) => (el as HTMLElement & { mark?: string }).mark)).toBe('ahead');
    expect(await page.locator('main.messenger__chat').getAttribute('inert')).toBeNull();
    await page.getByTestId('chat-back').click();
    await expect.poll(() => row(page, benName).isVisible(), WAIT).toBe(true);
    expect(await page.getByTestId('chat-pane').count()).toBe(0);
  });
});
