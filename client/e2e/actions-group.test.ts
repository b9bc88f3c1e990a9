/**
 * Message actions in a group: reactions name who reacted (a member never met one to one), a reply
 * quotes the member by name (and "You" on the quoted member's side), and the menu's *Message info*
 * opens the receipts of our own message.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bubbleWith, chipCount, choose, dismissUpdatePrompt, reactWith, rightClick, WAIT } from './actions-helpers.ts';
import { focusInDialog, sendMessage, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const cluster = useBrowserCluster();
const TITLE = 'Book club';

async function openGroup(page: Page): Promise<void> {
  const item = page.locator(`[data-testid="conversation-item"][data-title="${TITLE}"]`);
  await item.waitFor(WAIT);
  await item.click();
  await page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
}

describe('Message actions in a group', () => {
  it('reactions name the member, a reply quotes them, the menu opens Message info', async () => {
    const [ivyName, joName] = [uniqueName('ivy'), uniqueName('jo')];
    const ivy = await cluster.device();
    const jo = await cluster.device();
    await signUp(ivy.page, ivyName, 'Ivy Iles');
    await signUp(jo.page, joName, 'Jo Jones');
    await Promise.all([dismissUpdatePrompt(ivy.page), dismissUpdatePrompt(jo.page)]);

    await ivy.page.getByTestId('new-group').click();
    await ivy.page.getByTestId('group-title').fill(TITLE);
    await ivy.page.getByTestId('picker-search').fill(joName);
    await ivy.page.locator(`[data-testid="picker-option"][data-username="${joName}"]`).click();
    await ivy.page.getByTestId('picked-person').waitFor(WAIT);
    await ivy.page.getByTestId('new-group-create').click();
    await ivy.page.locator('[data-testid="chat-pane"][data-type="group"]').waitFor(WAIT);
    // The pane opens again under the server's id once the group is created (as groups.test.ts waits for).
    await expect.poll(() => ivy.page.evaluate(() => location.hash), WAIT).toMatch(/^#\/c\/g/);
    await sendMessage(ivy.page, 'Chapter 3 by Friday?');
    await expect.poll(() => bubbleWith(ivy.page, 'Chapter 3 by Friday?').getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);
    await openGroup(jo.page);

    // Jo reacts and replies; Ivy sees Jo's name under the reaction and "You" in the quote.
    const joBubble = bubbleWith(jo.page, 'Chapter 3 by Friday?');
    await joBubble.waitFor(WAIT);
    await rightClick(jo.page, joBubble);
    await reactWith(jo.page, '🙏');
    await rightClick(jo.page, joBubble);
    await choose(jo.page, 'reply');
    expect(await jo.page.getByTestId('composer-context').locator('.quote__name').innerText()).toBe('Ivy Iles');
    await sendMessage(jo.page, 'Deal');
    const ivyBubble = bubbleWith(ivy.page, 'Chapter 3 by Friday?');
    await expect.poll(() => chipCount(ivyBubble, '🙏'), WAIT).toBe(1);
    await ivyBubble.getByTestId('reactions-toggle').click();
    expect(await ivyBubble.getByTestId('reaction-person').allInnerTexts()).toEqual([expect.stringContaining('Jo Jones')]);
    const reply = bubbleWith(ivy.page, 'Deal');
    await reply.waitFor(WAIT);
    expect(await reply.locator('.quote__name').innerText()).toBe('You');
    expect(await bubbleWith(jo.page, 'Deal').locator('.quote__name').innerText()).toBe('Ivy Iles');

    // Message info from the menu (our own message), and not offered on Jo's.
    await rightClick(ivy.page, reply);
    expect(await ivy.page.getByTestId('menu-info').count()).toBe(0);
    await ivy.page.keyboard.press('Escape');
    await rightClick(ivy.page, ivyBubble);
    await choose(ivy.page, 'info');
    await ivy.page.getByTestId('message-info-dialog').waitFor(WAIT);
    await expect.poll(() => focusInDialog(ivy.page), WAIT).toBe(true);
  });
});
