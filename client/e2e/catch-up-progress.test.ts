/**
 * A big catch-up (a new device, or one back after a long time offline) shows its progress above
 * the conversation list (#20), and nothing once it is over. The connection is slowed (each request
 * 600 ms) so that the catch-up's pages (500 messages each) take long enough to be seen.
 */
import { describe, expect, it } from 'vitest';
import { apiPost, registerUser, signIn, uniqueName, useBrowserCluster } from './harness.ts';

const WAIT = { timeout: 60_000, interval: 50 };
const MESSAGES = 1_600;

const cluster = useBrowserCluster();

describe('Catch-up progress', () => {
  it('shows the messages stored so far while more pages follow, then goes away', async () => {
    const readerName = uniqueName('reader');
    const [reader, peer] = await Promise.all([registerUser(cluster.server, readerName), registerUser(cluster.server, uniqueName('peer'))]);
    for (let start = 0; start < MESSAGES; start += 50) {
      const messages = Array.from({ length: 50 }, (_, i) => ({ clientId: `catch-up-${start + i}`, to: reader.user.id, body: `m ${start + i + 1}` }));
      await apiPost(cluster.server, '/api/messages/batch', { messages }, peer.token);
    }

    const { page, context } = await cluster.device();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 600, downloadThroughput: -1, uploadThroughput: -1 });
    await signIn(page, readerName);

    const progress = page.getByTestId('catch-up-progress');
    await expect.poll(() => progress.innerText(), WAIT).toMatch(/[\d,]+ new messages/);
    const seen = Number((await progress.innerText()).match(/([\d,]+) new messages/)![1]!.replace(/,/g, ''));
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(MESSAGES);

    await expect.poll(() => progress.count(), WAIT).toBe(0);
    await expect.poll(() => page.getByTestId('conversation-preview').first().innerText(), WAIT).toMatch(new RegExp(`m ${MESSAGES}$`));
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  });
});
