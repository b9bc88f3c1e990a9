/**
 * Two strangers see each other's presence from their first message on: as strangers the server
 * told neither about the other's connects, so before the server introduced them (presence.ts
 * `introduced`) the sender's header kept saying nothing until the peer reconnected.
 */
import { describe, expect, it } from 'vitest';
import { bubbleBodies, openChatWith, sendMessage, signUp, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 100 };
const cluster = useBrowserCluster();

describe('First message presence', () => {
  it("the sender's header shows the peer online after the first message, without the peer reconnecting", async () => {
    const ana = await cluster.device();
    const bo = await cluster.device();
    const boName = uniqueName('bo');
    await signUp(bo.page, boName, 'Bo');
    await signUp(ana.page, uniqueName('ana'), 'Ana');
    await openChatWith(ana.page, boName);
    const status = ana.page.getByTestId('chat-status');
    // Strangers: Bo's presence is not Ana's to know yet.
    expect(await status.innerText()).not.toBe('online');
    await sendMessage(ana.page, 'Hi Bo, we have not met');
    await expect.poll(() => status.innerText(), WAIT).toBe('online');
    // Bo sees Ana online too, from the same introduction (or the profile his device fetched for her).
    await bo.page.getByTestId('conversation-item').first().click();
    await expect.poll(() => bubbleBodies(bo.page), WAIT).toEqual(['Hi Bo, we have not met']);
    await expect.poll(() => bo.page.getByTestId('chat-status').innerText(), WAIT).toBe('online');
  });
});
