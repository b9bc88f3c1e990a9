import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { dropMessages, waitFor } from '../../testing/index.ts';
import { LocalDb } from '../local/local-db.ts';
import { memoryFixture } from './fixture.ts';

describe('loadOlder', () => {
  const env = memoryFixture();

  it('pages older history into a device that lacks it, then stops at seq 1', async () => {
    const { alice, a, b, conversationId } = await env.pair();
    // Written straight into the server's store: no events, as if they predate the device.
    for (let i = 0; i < 120; i++) env.server.messages.store({ senderId: b.id, recipientId: a.id, clientId: `history-${i}-xxxxxxxx`, body: `old ${i}` });
    await alice.engine.syncNow();
    expect(await alice.engine.loadOlder(conversationId)).toBe(0); // holds seq 1 already: no request needed

    // White box: drop the oldest 90 rows, as a device that only ever synced the recent part would be.
    const raw = new LocalDb(alice.dbName, { indexedDB: alice.factory, IDBKeyRange });
    await dropMessages(raw, conversationId, 1, 90);
    raw.close();
    expect(await alice.engine.queries.messages(conversationId, 500)).toHaveLength(30);

    const added: number[] = [];
    for (let n = await alice.engine.loadOlder(conversationId, 40); n > 0; n = await alice.engine.loadOlder(conversationId, 40)) added.push(n);
    // The newest page (seq 81–120) overlaps what the device holds, so the first call goes on to the next one.
    expect(added.reduce((x, y) => x + y, 0)).toBe(90);
    const local = await alice.engine.queries.messages(conversationId, 500);
    const server = env.server.history(conversationId);
    expect(local.map((m) => m.id)).toEqual(server.map((m) => m.id));
    await waitFor(async () => (await alice.engine.queries.messages(conversationId, 500)).every((m) => m.status !== 'sent'));
  });
});
