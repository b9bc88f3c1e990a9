/**
 * Catch-up progress in the engine state (issue #20): after each stored page the state says how
 * many pages and new messages the run has stored and whether more follow; null once it ends.
 * With the next page fetched while the current one is stored, every message still arrives
 * once, in seq order.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import type { CatchUpProgress } from '../api.ts';
import { memoryFixture } from './fixture.ts';

describe('catch-up progress', () => {
  const env = memoryFixture();

  it('a catch-up of several pages reports each page, then null; every message once, in order', async () => {
    const { alice, bob, b, conversationId } = await env.pair({ bob: { syncPageSize: 3 } });
    await waitFor(() => bob.engine.getState().lastSyncAt !== null);
    bob.engine.setNetworkEnabled(false);
    for (let i = 1; i <= 10; i++) await alice.engine.send(b.id, `m${i}`);
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0);

    const seen: (CatchUpProgress | null | undefined)[] = [];
    const off = bob.engine.on('state', (s) => seen.push(s.catchUp));
    const synced = bob.engine.getState().lastSyncAt;
    bob.engine.setNetworkEnabled(true);
    await waitFor(() => bob.engine.getState().lastSyncAt !== synced && !bob.engine.getState().catchUp);
    off();

    // The first run's reports (a state event for another reason repeats the same object; a second run would start at 1 again).
    const first = seen.slice(seen.findIndex((p) => !!p));
    const pages = first.slice(0, first.findIndex((p) => !p)).filter((p, i, all): p is CatchUpProgress => !!p && p !== all[i - 1]);
    // 10 messages in pages of 3: at least 4 pages (status changes may add more), counted up one by one.
    expect(pages.length).toBeGreaterThanOrEqual(4);
    pages.forEach((p, i) => i > 0 && expect(p.pages).toBeGreaterThan(pages[i - 1]!.pages));
    expect(pages.at(-1)!.hasMore).toBe(false);
    expect(pages.slice(0, 3).every((p) => p.hasMore)).toBe(true);
    expect(Math.max(...pages.map((p) => p.messages))).toBe(10);
    expect(seen.at(-1) ?? null).toBeNull();
    const bodies = (await bob.engine.queries.messages(conversationId, 50)).map((m) => m.body);
    expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
  });
});
