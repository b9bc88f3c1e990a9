/**
 * Reply, react, copy, edit, delete for everyone and for me, from the message menu, through the
 * real server, between two users: once acted on a desktop (right click, the "More actions"
 * button, the keyboard, Up arrow) and seen on a phone, once acted on a phone (long press) and
 * seen on a desktop. PIGEON_E2E_SHOTS=<dir> saves screenshots of the menu there (actions-*.png).
 */
import { describe, expect, it } from 'vitest';
import {
  activeTestId,
  bubbleWith,
  chipCount,
  choose,
  confirmDelete,
  dismissUpdatePrompt,
  longPress,
  menu,
  menuOpen,
  reactWith,
  rightClick,
  shot,
  viaMoreButton,
  WAIT,
} from './actions-helpers.ts';
import { bubbles, openChatWith, PHONE, sendMessage, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const cluster = useBrowserCluster();

/** Two users in one 1:1 chat: `a` on a desktop (clipboard allowed), `b` on a phone; both have every message. */
async function twoUsers(aPrefix: string, bPrefix: string, aName: string, bName: string, colorScheme: 'light' | 'dark' = 'light') {
  const [aUser, bUser] = [uniqueName(aPrefix), uniqueName(bPrefix)];
  const a = await cluster.device({ colorScheme });
  const b = await cluster.device({ viewport: PHONE, colorScheme });
  await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cluster.server.url });
  await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cluster.server.url });
  await signUp(a.page, aUser, aName);
  await signUp(b.page, bUser, bName);
  await Promise.all([dismissUpdatePrompt(a.page), dismissUpdatePrompt(b.page)]);
  await openChatWith(a.page, bUser);
  return { a, b, aUser, bUser };
}

const clipboard = (page: import('playwright-core').Page) => page.evaluate(() => navigator.clipboard.readText());

describe('Message actions', () => {
  it('desktop: reply, react, edit (menu and Up arrow), copy, keyboard, delete for everyone and for me; seen on the phone', async () => {
    const { a: ana, b: bo, aUser } = await twoUsers('ana', 'bo', 'Ana', 'Bo');
    await sendMessage(ana.page, 'Lunch at noon?');
    await openChatWith(bo.page, aUser);
    await sendMessage(bo.page, 'Sure, where?');
    await expect.poll(() => bubbles(ana.page).count(), WAIT).toBe(2);

    // Reply (right click): the quote shows above the composer, then in both bubbles; a click on it highlights the original.
    await rightClick(ana.page, bubbleWith(ana.page, 'Sure, where?'));
    expect(await menu(ana.page).getAttribute('role')).toBe('menu');
    expect(await activeTestId(ana.page)).toBe('menu-reply');
    await shot(ana.page, 'desktop-menu');
    await choose(ana.page, 'reply');
    const context = ana.page.getByTestId('composer-context');
    await context.waitFor(WAIT);
    expect(await context.getAttribute('data-kind')).toBe('reply');
    expect(await context.getByTestId('quote-text').innerText()).toBe('Sure, where?');
    expect(await activeTestId(ana.page)).toBe('composer-input');
    await shot(ana.page, 'desktop-reply-composer');
    await sendMessage(ana.page, 'The usual place');
    await context.waitFor({ state: 'detached', ...WAIT });
    const reply = bubbleWith(ana.page, 'The usual place');
    expect(await reply.getByTestId('quote-text').innerText()).toBe('Sure, where?');
    const boReply = bubbleWith(bo.page, 'The usual place');
    await expect.poll(() => boReply.getByTestId('quote-text').count(), WAIT).toBe(1);
    expect(await boReply.getByTestId('quote-text').innerText()).toBe('Sure, where?');
    await boReply.getByTestId('message-quote').click();
    await expect.poll(() => bubbleWith(bo.page, 'Sure, where?').getAttribute('class'), WAIT).toMatch(/bubble--highlight/);
    expect(await bubbleWith(bo.page, 'Sure, where?').isVisible()).toBe(true);

    // React ("More actions" on hover): the other side counts it and names who reacted.
    await viaMoreButton(ana.page, bubbleWith(ana.page, 'Sure, where?'));
    await reactWith(ana.page, '👍');
    await expect.poll(() => chipCount(bubbleWith(ana.page, 'Sure, where?'), '👍'), WAIT).toBe(1);
    await expect.poll(() => chipCount(bubbleWith(bo.page, 'Sure, where?'), '👍'), WAIT).toBe(1);
    await bubbleWith(bo.page, 'Sure, where?').getByTestId('reactions-toggle').click();
    expect(await bubbleWith(bo.page, 'Sure, where?').getByTestId('reaction-person').allInnerTexts()).toEqual([expect.stringContaining('Ana')]);
    // Bo reacts too: two 👍.
    await longPress(bo.page, bubbleWith(bo.page, 'Sure, where?'));
    await reactWith(bo.page, '👍');
    await expect.poll(() => chipCount(bubbleWith(ana.page, 'Sure, where?'), '👍'), WAIT).toBe(2);

    // Edit from the menu: the composer holds the text; "edited" on both sides.
    await rightClick(ana.page, bubbleWith(ana.page, 'Lunch at noon?'));
    await choose(ana.page, 'edit');
    const input = ana.page.getByTestId('composer-input');
    await expect.poll(() => input.inputValue(), WAIT).toBe('Lunch at noon?');
    expect(await ana.page.getByTestId('composer').getAttribute('data-mode')).toBe('edit');
    await input.fill('Lunch at 1pm?');
    await input.press('Enter');
    await bubbleWith(ana.page, 'Lunch at 1pm?').getByTestId('message-edited').waitFor(WAIT);
    await bubbleWith(bo.page, 'Lunch at 1pm?').getByTestId('message-edited').waitFor(WAIT);
    expect(await bubbleWith(bo.page, 'Lunch at noon?').count()).toBe(0);

    // Up arrow in the empty composer edits the last message; Esc leaves edit mode with the draft back.
    expect(await input.inputValue()).toBe('');
    await input.press('ArrowUp');
    await expect.poll(() => input.inputValue(), WAIT).toBe('The usual place');
    await input.press('Escape');
    await expect.poll(() => ana.page.getByTestId('composer').getAttribute('data-mode'), WAIT).toBe('new');
    expect(await input.inputValue()).toBe('');
    await input.press('ArrowUp');
    await expect.poll(() => input.inputValue(), WAIT).toBe('The usual place');
    await input.fill('The usual place, 13:00');
    await input.press('Enter');
    await bubbleWith(bo.page, 'The usual place, 13:00').getByTestId('message-edited').waitFor(WAIT);
    // The reply keeps its quote through the edit.
    expect(await bubbleWith(bo.page, 'The usual place, 13:00').getByTestId('quote-text').innerText()).toBe('Sure, where?');

    // Copy.
    await rightClick(ana.page, bubbleWith(ana.page, 'Sure, where?'));
    await choose(ana.page, 'copy');
    await expect.poll(() => clipboard(ana.page), WAIT).toBe('Sure, where?');
    await expect.poll(() => ana.page.getByTestId('message-action-notice').innerText(), WAIT).toBe('Message copied');

    // Keyboard: focus the bubble's "More actions", Enter opens the menu, arrows move, Esc closes and focus is back on the bubble.
    const target = bubbleWith(ana.page, 'The usual place, 13:00');
    await target.getByTestId('message-more').focus();
    await ana.page.keyboard.press('Enter');
    await menuOpen(ana.page);
    const first = await activeTestId(ana.page);
    await ana.page.keyboard.press('ArrowDown');
    expect(await activeTestId(ana.page)).not.toBe(first);
    await ana.page.keyboard.press('Escape');
    await menu(ana.page).waitFor({ state: 'detached', ...WAIT });
    expect(await ana.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('message-bubble');
    expect(await ana.page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText)).toContain('The usual place, 13:00');

    // Delete for everyone: a tombstone on both sides, whose menu offers only "Delete for me".
    await rightClick(ana.page, bubbleWith(ana.page, 'Lunch at 1pm?'));
    await choose(ana.page, 'delete-everyone');
    await confirmDelete(ana.page);
    const tombstones = (page: typeof ana.page) => page.locator('[data-testid="message-bubble"][data-deleted="true"]');
    await expect.poll(() => tombstones(ana.page).count(), WAIT).toBe(1);
    await expect.poll(() => tombstones(bo.page).count(), WAIT).toBe(1);
    expect(await tombstones(bo.page).getByTestId('message-body').innerText()).toBe('This message was deleted');
    expect(await bubbleWith(bo.page, 'Lunch at 1pm?').count()).toBe(0);
    await rightClick(ana.page, tombstones(ana.page));
    expect(await menu(ana.page).getByRole('menuitem').allInnerTexts()).toEqual(['Delete for me']);
    await ana.page.keyboard.press('Escape');
    await menu(ana.page).waitFor({ state: 'detached', ...WAIT });

    // Delete for me: gone here, still there for Bo.
    await rightClick(ana.page, bubbleWith(ana.page, 'Sure, where?'));
    await choose(ana.page, 'delete-me');
    await confirmDelete(ana.page);
    await expect.poll(() => bubbleWith(ana.page, 'Sure, where?').count(), WAIT).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await bubbleWith(bo.page, 'Sure, where?').count()).toBe(1);
    // Bo's view of it all: reactions, the reply's quote, "edited", the tombstone.
    await shot(bo.page, 'phone-chat');
    await shot(ana.page, 'desktop-chat');
  });

  it('phone: long press to reply, react (quick and more), copy, edit, delete for everyone and for me; seen on the desktop', async () => {
    const { a: cy, b: di, aUser: cyUser } = await twoUsers('cy', 'di', 'Cy', 'Di');
    await sendMessage(cy.page, 'Are you coming tonight?');
    await openChatWith(di.page, cyUser);
    await sendMessage(di.page, 'Maybe');
    await sendMessage(di.page, 'Running late');
    await expect.poll(() => bubbles(cy.page).count(), WAIT).toBe(3);

    // Long press: the menu is a sheet at the bottom, focus on its first action.
    await longPress(di.page, bubbleWith(di.page, 'Are you coming tonight?'));
    expect(await activeTestId(di.page)).toBe('menu-reply');
    const sheet = await menu(di.page).boundingBox();
    expect(sheet && Math.round(sheet.y + sheet.height)).toBe(PHONE.height);
    expect(sheet?.width).toBe(PHONE.width);
    await shot(di.page, 'phone-menu');
    await choose(di.page, 'reply');
    await di.page.getByTestId('composer-context').waitFor(WAIT);
    await shot(di.page, 'phone-reply-composer');
    await sendMessage(di.page, 'Yes, at 8');
    const quoted = bubbleWith(cy.page, 'Yes, at 8');
    await expect.poll(() => quoted.getByTestId('quote-text').count(), WAIT).toBe(1);
    expect(await quoted.getByTestId('quote-text').innerText()).toBe('Are you coming tonight?');
    await quoted.getByTestId('message-quote').click();
    await expect.poll(() => bubbleWith(cy.page, 'Are you coming tonight?').getAttribute('class'), WAIT).toMatch(/bubble--highlight/);

    // React from the quick row, then replace it from "More reactions" (loaded on demand).
    await longPress(di.page, bubbleWith(di.page, 'Are you coming tonight?'));
    await reactWith(di.page, '❤️');
    await expect.poll(() => chipCount(bubbleWith(cy.page, 'Are you coming tonight?'), '❤️'), WAIT).toBe(1);
    await longPress(di.page, bubbleWith(di.page, 'Are you coming tonight?'));
    await menu(di.page).getByTestId('menu-react-more').click();
    const picker = di.page.getByTestId('emoji-picker');
    await picker.waitFor(WAIT);
    expect(await picker.locator('[data-emoji="🎉"]').getAttribute('aria-label')).toBe('Party popper');
    await shot(di.page, 'phone-emoji-picker');
    await picker.locator('[data-emoji="🎉"]').click();
    await expect.poll(() => chipCount(bubbleWith(cy.page, 'Are you coming tonight?'), '🎉'), WAIT).toBe(1);
    expect(await chipCount(bubbleWith(cy.page, 'Are you coming tonight?'), '❤️')).toBe(0);

    // Copy.
    await longPress(di.page, bubbleWith(di.page, 'Maybe'));
    await choose(di.page, 'copy');
    await expect.poll(() => clipboard(di.page), WAIT).toBe('Maybe');

    // Edit.
    await longPress(di.page, bubbleWith(di.page, 'Running late'));
    await choose(di.page, 'edit');
    const input = di.page.getByTestId('composer-input');
    await expect.poll(() => input.inputValue(), WAIT).toBe('Running late');
    await input.fill('Running 10 min late');
    await input.press('Enter');
    await bubbleWith(cy.page, 'Running 10 min late').getByTestId('message-edited').waitFor(WAIT);

    // Delete for everyone.
    await longPress(di.page, bubbleWith(di.page, 'Maybe'));
    await choose(di.page, 'delete-everyone');
    await confirmDelete(di.page);
    await expect.poll(() => cy.page.locator('[data-testid="message-bubble"][data-deleted="true"]').count(), WAIT).toBe(1);
    expect(await bubbleWith(cy.page, 'Maybe').count()).toBe(0);
    await expect.poll(() => di.page.locator('[data-testid="message-bubble"][data-deleted="true"]').count(), WAIT).toBe(1);

    // Delete for me: Cy's message goes from Di's phone only.
    await longPress(di.page, bubbleWith(di.page, 'Are you coming tonight?'));
    await choose(di.page, 'delete-me');
    await confirmDelete(di.page);
    await expect.poll(() => bubbleWith(di.page, 'Are you coming tonight?').count(), WAIT).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await bubbleWith(cy.page, 'Are you coming tonight?').count()).toBe(1);
  });

  it('offline (dark): a reaction and an edit show at once with a pending mark and reach the other side after reconnecting', async () => {
    const { a: ed, b: flo, aUser: edUser } = await twoUsers('ed', 'flo', 'Ed', 'Flo', 'dark');
    await sendMessage(ed.page, 'Offline soon');
    await openChatWith(flo.page, edUser);
    await sendMessage(flo.page, 'ok');
    await expect.poll(() => bubbles(ed.page).count(), WAIT).toBe(2);
    await expect.poll(() => bubbleWith(ed.page, 'Offline soon').getAttribute('data-status'), WAIT).toMatch(/^(sent|delivered|read)$/);

    await longPress(flo.page, bubbleWith(flo.page, 'Offline soon'));
    await shot(flo.page, 'phone-menu-dark');
    await flo.page.keyboard.press('Escape');
    await menu(flo.page).waitFor({ state: 'detached', ...WAIT });

    await ed.net.setOffline(true);
    await rightClick(ed.page, bubbleWith(ed.page, 'ok'));
    await shot(ed.page, 'desktop-menu-dark');
    await reactWith(ed.page, '😂');
    await rightClick(ed.page, bubbleWith(ed.page, 'Offline soon'));
    await choose(ed.page, 'edit');
    const input = ed.page.getByTestId('composer-input');
    await expect.poll(() => input.inputValue(), WAIT).toBe('Offline soon');
    await input.fill('Offline now');
    await input.press('Enter');

    // Shown at once here, with the pending mark; nothing reached Flo.
    await expect.poll(() => chipCount(bubbleWith(ed.page, 'ok'), '😂'), WAIT).toBe(1);
    await bubbleWith(ed.page, 'Offline now').getByTestId('message-edited').waitFor(WAIT);
    expect(await bubbleWith(ed.page, 'ok').getAttribute('data-pending-actions')).toBe('true');
    expect(await bubbleWith(ed.page, 'Offline now').getByTestId('message-pending-action').count()).toBe(1);
    await shot(ed.page, 'desktop-pending-dark');
    // The banner counts the reaction and the edit as changes, not as messages; a message joins them.
    const banner = ed.page.getByTestId('connection-banner');
    await expect.poll(() => banner.innerText(), WAIT).toContain('· 2 changes waiting to send.');
    await sendMessage(ed.page, 'Back soon');
    await expect.poll(() => banner.innerText(), WAIT).toContain('· 1 message and 2 changes waiting to send.');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await chipCount(bubbleWith(flo.page, 'ok'), '😂')).toBe(0);
    expect(await bubbleWith(flo.page, 'Offline soon').count()).toBe(1);

    await ed.net.setOffline(false);
    await expect.poll(() => chipCount(bubbleWith(flo.page, 'ok'), '😂'), WAIT).toBe(1);
    await bubbleWith(flo.page, 'Offline now').getByTestId('message-edited').waitFor(WAIT);
    await expect.poll(() => ed.page.locator('[data-pending-actions="true"]').count(), WAIT).toBe(0);
    await bubbleWith(flo.page, 'Back soon').waitFor(WAIT);
    await expect.poll(() => banner.getAttribute('data-outbox'), WAIT).toBe('0');
  });
});
