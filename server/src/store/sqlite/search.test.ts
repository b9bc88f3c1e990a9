import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryTerms } from '@pigeon/sync-protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { SEARCH_SCAN_MAX } from './search.ts';
import { createSqliteStore } from './sqlite-store.ts';

/** What the contract cannot see of SQLite's search: the bound on what one query reads (search.ts, SEARCH_SCAN_MAX). */
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
});
