import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryTerms } from '@pigeon/sync-protocol';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SEARCH_SCAN_MAX } from './search.ts';
import { createSqliteStore } from './sqlite-store.ts';

/** What the contract cannot see of SQLite's search: the bound on what one query reads (search.ts, SEARCH_SCAN_MAX), and the order within one millisecond. */
const dir = mkdtempSync(join(tmpdir(), 'pigeon-sqlite-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite message search', () => {
  it(`reads at most SEARCH_SCAN_MAX (${SEARCH_SCAN_MAX}) matches: past them a former member gets fewer results, never the others' messages`, async () => {
    const store = await createSqliteStore({ file: join(dir, 'scan.sqlite') });
    try {
      const [owner, leaver, peer] = await Promise.all(['owner', 'leaver', 'peer'].map((n) => store.createUser({ username: n, displayName: n, passwordHash: 'h' })));
      const at = () => new Date().toISOString();
      const { group } = await store.createGroup({ creatorId: owner!.id, clientId: 'create', title: 'G', memberIds: [leaver!.id], at: at() });
      // What the leaver could read: one group message, one direct message.
      await store.sendMessages([{ senderId: owner!.id, recipientId: group.id, conversationId: group.id, clientId: 'early', body: 'tulip early' }]);
      await store.sendMessages([{ senderId: peer!.id, recipientId: leaver!.id, clientId: 'direct', body: 'tulip direct' }]);
      await store.changeGroup({ conversationId: group.id, actorId: owner!.id, clientId: 'remove', at: at(), kind: 'remove', userId: leaver!.id });

      const found = async () => (await store.searchMessages(leaver!.id, queryTerms('tulip'), { limit: 10 })).map((m) => m.body);
      expect(await found()).toEqual(['tulip direct', 'tulip early']);

      // The group goes on without them: its newer matches are in the leaver's scope (a group they were
      // in) but outside their period. Up to the bound, the walk passes them and still finds both.
      const later = (n: number, from: number) =>
        Array.from({ length: n }, (_, i) => ({ senderId: owner!.id, recipientId: group.id, conversationId: group.id, clientId: `later-${from + i}`, body: `tulip later ${from + i}` }));
      await store.sendMessages(later(SEARCH_SCAN_MAX - 2, 0));
      expect(await found()).toEqual(['tulip direct', 'tulip early']);
      // One past the bound: the oldest readable match is beyond what one query reads.
      await store.sendMessages(later(1, SEARCH_SCAN_MAX));
      expect(await found()).toEqual(['tulip direct']);
      // More: nothing readable within the bound, so nothing — and never one of the group's later messages.
      await store.sendMessages(later(5, SEARCH_SCAN_MAX + 1));
      expect(await found()).toEqual([]);
      // The members still find the newest, and a narrower query still finds the leaver's messages.
      expect((await store.searchMessages(owner!.id, queryTerms('tulip'), { limit: 1 })).map((m) => m.body)).toEqual([`tulip later ${SEARCH_SCAN_MAX + 5}`]);
      expect((await store.searchMessages(leaver!.id, queryTerms('tulip early'), { limit: 10 })).map((m) => m.body)).toEqual(['tulip early']);
    } finally {
      await store.close();
    }
  });

  it('answers messages sent in one millisecond newest first in the order they were sent (ids made in order, ids.ts)', async () => {
    const store = await createSqliteStore({ file: join(dir, 'same-ms.sqlite') });
    // Every send reads the same clock: one createdAt for all, as a fast machine or a group commit gives.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 4, 12) });
    try {
      const [a, b] = await Promise.all(['same-ms-a', 'same-ms-b'].map((n) => store.createUser({ username: n, displayName: n, passwordHash: 'h' })));
      const bodies = Array.from({ length: 20 }, (_, i) => `poppy ${i}`);
      for (const [i, body] of bodies.entries()) await store.sendMessages([{ senderId: a!.id, recipientId: b!.id, clientId: `same-${i}`, body }]);
      const found = await store.searchMessages(b!.id, queryTerms('poppy'), { limit: 50 });
      expect(new Set(found.map((m) => m.createdAt)).size).toBe(1);
      expect(found.map((m) => m.body)).toEqual([...bodies].reverse());
    } finally {
      vi.useRealTimers();
      await store.close();
    }
  });
});
