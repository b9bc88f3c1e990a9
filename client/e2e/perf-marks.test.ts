/**
 * The User Timing marks of client/src/perf/marks.ts, which bench/figures/client.ts reads: each
 * fires once, at the moment it names. A probe wraps performance.mark before the app loads and
 * snapshots the DOM at the instant of each pigeon:* mark, so "too early" is visible.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_KEY } from '../src/boot/list-snapshot.ts';
import { MARK, MEASURE, type ListSource } from '../src/perf/marks.ts';
import { apiPost, PASSWORD, signIn, uniqueName, useBrowserCluster, type ApiAuth } from './harness.ts';
import { installMarkProbe, markSnapshots, measures } from './mark-probe.ts';

const WAIT = { timeout: 15_000, interval: 50 };

/** The snapshots of mark `name`, oldest first. */
const snapshots = async (page: Page, name: string) => (await markSnapshots(page)).filter((s) => s.name === name);

const cluster = useBrowserCluster();

describe('Performance marks', () => {
  it('marks boot, resume, the painted and the live list once per load, and every opened chat once it shows its newest message', async () => {
    const api = <T>(path: string, body: unknown, token?: string) => apiPost<T>(cluster.server, path, body, token);
    const register = (name: string) => api<ApiAuth>('/api/auth/register', { username: name, password: PASSWORD, displayName: name });
    const readerName = uniqueName('reader');
    const [reader, ivy, jon] = await Promise.all([register(readerName), register(uniqueName('ivy')), register(uniqueName('jon'))]);
    // Ivy: more than one page (50) of messages, so "newest message in view" needs the scroll to the bottom.
    for (let i = 1; i <= 60; i++) await api('/api/messages', { clientId: `perf-ivy-${i}`, to: reader.user.id, body: `ivy ${i}` }, ivy.token);
    for (let i = 1; i <= 3; i++) await api('/api/messages', { clientId: `perf-jon-${i}`, to: reader.user.id, body: `jon ${i}` }, jon.token);
    const dm = (a: string, b: string) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);
    const ivyChat = dm(reader.user.id, ivy.user.id);
    const jonChat = dm(reader.user.id, jon.user.id);

    const { page, context } = await cluster.device();
    await installMarkProbe(context);
    await signIn(page, readerName);
    const item = (id: string) => page.locator(`[data-testid="conversation-item"][href$="${encodeURIComponent(id)}"]`);
    await expect.poll(() => item(ivyChat).getByTestId('conversation-preview').innerText(), WAIT).toMatch(/ivy 60$/);
    await expect.poll(() => item(jonChat).getByTestId('conversation-preview').innerText(), WAIT).toMatch(/jon 3$/);

    // A new page load on the cached data: first with the list snapshot the session left (drawn before the
    // entry runs: boot/paint-list-snapshot.ts), then without it (the first paint from IndexedDB).
    await expect.poll(() => page.evaluate((key) => localStorage.getItem(key) !== null, SNAPSHOT_KEY), WAIT).toBe(true);
    await page.reload();
    await checkLoad('snapshot');
    await page.addInitScript((key) => localStorage.removeItem(key), SNAPSHOT_KEY);
    await page.reload();
    await checkLoad('first-paint');

    async function checkLoad(source: ListSource) {
      await expect.poll(() => snapshots(page, MARK.listLive), WAIT).toHaveLength(1);
      const [boot] = await snapshots(page, MARK.boot);
      const [resumed] = await snapshots(page, MARK.resumed);
      const [listed] = await snapshots(page, MARK.listRendered);
      const [live] = await snapshots(page, MARK.listLive);
      expect(resumed!.detail).toEqual({ signedIn: true });
      expect(boot!.startTime).toBeLessThanOrEqual(resumed!.startTime);
      // The list is painted first (the snapshot, drawn before the entry runs: its rows were in the DOM
      // when the entry's first line marked pigeon:boot, whose frame may come before or after that line;
      // or the cached list's first paint, before the session is resumed, when it wins the race:
      // boot/first-paint.ts), the messenger's live list after the resume.
      if (source === 'snapshot') expect(boot!.conversationItems).toBe(2);
      else expect(boot!.startTime).toBeLessThanOrEqual(listed!.startTime);
      expect(listed!.startTime).toBeLessThanOrEqual(live!.startTime);
      expect(resumed!.startTime).toBeLessThanOrEqual(live!.startTime);
      // Both rows were in the DOM when each mark was made.
      expect(listed!.conversationItems).toBe(2);
      expect(listed!).toMatchObject({ conversationTotal: 2, conversationViewCovered: true });
      expect(listed!.detail).toEqual({ conversations: 2, source });
      expect(live!.conversationItems).toBe(2);
      expect(live!).toMatchObject({ conversationTotal: 2, conversationViewCovered: true });
      expect(live!.detail).toEqual({ conversations: 2, source: 'messenger' });
      expect(await measures(page, MEASURE.navigationToList)).toEqual([listed!.startTime]);
      expect(await measures(page, MEASURE.navigationToLiveList)).toEqual([live!.startTime]);
    }
    expect(await snapshots(page, MARK.chatOpen)).toEqual([]);

    // The list changing again (a new message reorders it) is not a first render.
    await api('/api/messages', { clientId: 'perf-jon-4', to: reader.user.id, body: 'jon 4' }, jon.token);
    await expect.poll(() => item(jonChat).getByTestId('conversation-preview').innerText(), WAIT).toMatch(/jon 4$/);

    const openChat = async (id: string, newest: string, nth: number) => {
      const clickAt = await page.evaluate(() => performance.now());
      await item(id).click();
      await expect.poll(() => snapshots(page, MARK.chatRendered), WAIT).toHaveLength(nth);
      const opened = (await snapshots(page, MARK.chatOpen))[nth - 1]!;
      const shown = (await snapshots(page, MARK.chatRendered))[nth - 1]!;
      expect(opened.detail).toEqual({ conversationId: id });
      expect(opened.startTime).toBeGreaterThanOrEqual(clickAt);
      // At the instant of chat-open the chat was not there yet; at chat-rendered its newest message was in view, the view covered.
      expect(opened.chatId).not.toBe(id);
      expect(shown).toMatchObject({ detail: { conversationId: id }, chatId: id, lastBody: newest, lastBodyVisible: true, chatViewCovered: true });
      expect(shown.startTime).toBeGreaterThan(opened.startTime);
      expect((await measures(page, MEASURE.chatOpenToRendered))[nth - 1]).toBeCloseTo(shown.startTime - opened.startTime, 6);
    };
    await openChat(ivyChat, 'ivy 60', 1);
    await openChat(jonChat, 'jon 4', 2);

    // Browser back into a chat opens it too (marked on the hashchange).
    await page.goBack();
    await expect.poll(() => snapshots(page, MARK.chatRendered), WAIT).toHaveLength(3);
    const [, , backOpen] = await snapshots(page, MARK.chatOpen);
    const [, , backShown] = await snapshots(page, MARK.chatRendered);
    expect(backOpen!.detail).toEqual({ conversationId: ivyChat });
    expect(backShown).toMatchObject({ chatId: ivyChat, lastBody: 'ivy 60', lastBodyVisible: true, chatViewCovered: true });

    // Once each: one list render per load, one chat-rendered per chat-open.
    expect(await snapshots(page, MARK.listRendered)).toHaveLength(1);
    expect(await snapshots(page, MARK.listLive)).toHaveLength(1);
    expect(await snapshots(page, MARK.chatOpen)).toHaveLength(3);
    expect(await snapshots(page, MARK.boot)).toHaveLength(1);
    expect(await snapshots(page, MARK.resumed)).toHaveLength(1);
  });
});
