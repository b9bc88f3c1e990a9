/**
 * Message search (api.ts `search`): offline from the device's `*words` index (word prefixes,
 * accents and case ignored, never hidden / deleted rows, only the signed-in user's), kept right by
 * edits; online merged with the server's answer by id, a server-only hit not stored and reachable
 * with `messagesAround`; a failing server is `server: false`, never a throw.
 */
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { dropMessages, fail, waitFor } from '../../testing/index.ts';
import type { SearchResults, SyncEngine } from '../api.ts';
import { LocalDb } from '../local/local-db.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};
const bodies = (r: SearchResults) => r.hits.map((h) => h.message.body);

describe('search on the device (offline)', () => {
  const env = memoryFixture();

  it('finds cached messages by word prefix, ignoring case and accents, newest first; never hidden or deleted ones', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    const first = await alice.engine.send(b.id, 'Café au lait tonight?');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 1);
    await bob.engine.send(a.id, 'Sure, the CAFE near the station');
    await alice.engine.send(b.id, 'nothing to see here');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).every((m) => m.status !== 'pending') && (await bob.engine.queries.messages(conversationId)).length === 3);
    await offline(bob.engine);

    const cafe = await bob.engine.search('cafe');
    expect(cafe).toMatchObject({ terms: ['cafe'], server: false });
    expect(cafe.serverError).toBeUndefined();
    expect(bodies(cafe)).toEqual(['Sure, the CAFE near the station', 'Café au lait tonight?']);
    expect(cafe.hits.every((h) => h.source === 'device')).toBe(true);
    expect(bodies(await bob.engine.search('CAF tonig'))).toEqual(['Café au lait tonight?']);
    expect(bodies(await bob.engine.search('afe'))).toEqual([]); // a word's middle is no match
    expect(bodies(await bob.engine.search('cafe', { limit: 1 }))).toEqual(['Sure, the CAFE near the station']);
    expect(await bob.engine.search('  ?! ')).toEqual({ hits: [], terms: [], server: false });

    // Deleted for me (hidden, offline): gone at once.
    const own = (await bob.engine.queries.messages(conversationId)).find((m) => m.senderId === b.id)!;
    await bob.engine.deleteMessage(own.key, 'me');
    expect(bodies(await bob.engine.search('cafe'))).toEqual(['Café au lait tonight?']);

    // Deleted for everyone by its sender: gone once the device hears of it.
    await bob.engine.setNetworkEnabled(true);
    await alice.engine.deleteMessage(first.key, 'everyone');
    await waitFor(async () => !!(await bob.engine.queries.message(first.key))?.deletedAt);
    expect(bodies(await bob.engine.search('cafe'))).toEqual([]);
  });

  it('an edit changes what is found: a pending one on the device at once, a server one when it arrives', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await offline(alice.engine);
    const sent = await alice.engine.send(b.id, 'lunch at noon');
    await alice.engine.editMessage(sent.key, 'lunch at midnight');
    expect(bodies(await alice.engine.search('noon'))).toEqual([]);
    expect(bodies(await alice.engine.search('midn lun'))).toEqual(['lunch at midnight']);

    alice.engine.setNetworkEnabled(true);
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).some((m) => m.body === 'lunch at midnight'));
    expect(bodies(await bob.engine.search('midnight', { conversationId }))).toEqual(['lunch at midnight']);

    const other = await alice.engine.send(b.id, 'see you at the harbour');
    await waitFor(async () => bodies(await bob.engine.search('harbour')).length === 1);
    await alice.engine.editMessage(other.key, 'see you at the station');
    await waitFor(async () => (await bob.engine.queries.message(other.key))?.body === 'see you at the station');
    await offline(bob.engine);
    expect(bodies(await bob.engine.search('harbour'))).toEqual([]);
    expect(bodies(await bob.engine.search('stat'))).toEqual(['see you at the station']);
  });

  it("finds only the signed-in user's messages: another account on the device finds none of them", async () => {
    const { alice, b } = await env.pair();
    await alice.engine.send(b.id, 'secret pineapple recipe');
    await waitFor(() => alice.engine.getState().outboxSize === 0);
    expect(bodies(await alice.engine.search('pineapple'))).toEqual(['secret pineapple recipe']);
    await alice.engine.signOut();
    const carol = env.uniqueName('carol');
    env.server.addUser(carol, PASSWORD);
    await alice.engine.signIn(carol, PASSWORD);
    await offline(alice.engine);
    expect(bodies(await alice.engine.search('pineapple'))).toEqual([]);
  });
});

describe('search merged with the server (online)', () => {
  const env = memoryFixture();

  it("returns a hit only the server has (history never loaded) as `server`, unstored; messagesAround then loads it", async () => {
    const { alice, a, b, conversationId } = await env.pair();
    // Written straight into the server's store, as if they predate the device (history.test.ts).
    for (let i = 0; i < 120; i++) {
      const body = i === 5 ? 'the zebra crossing' : i === 110 ? 'a zebra again' : `old ${i}`;
      env.server.messages.store({ senderId: b.id, recipientId: a.id, clientId: `history-${i}-xxxxxxxx`, body });
    }
    await alice.engine.syncNow();
    // The receipts' status changes come back through the feed: let them settle before dropping rows.
    await waitFor(async () => (await alice.engine.queries.messages(conversationId, 500)).every((m) => m.status !== 'sent'));
    await waitFor(() => env.server.history(conversationId).every((m) => m.status === 'delivered'));
    await alice.engine.syncNow();
    const raw = new LocalDb(alice.dbName, { indexedDB: alice.factory, IDBKeyRange });
    await dropMessages(raw, conversationId, 1, 90);
    raw.close();

    // Offline: only what the device holds.
    await offline(alice.engine);
    expect(bodies(await alice.engine.search('zebra'))).toEqual(['a zebra again']);

    alice.engine.setNetworkEnabled(true);
    await waitFor(() => alice.engine.getState().connection === 'online');
    const results = await alice.engine.search('ZEBRA');
    expect(results.server).toBe(true);
    expect(results.hits.map((h) => [h.message.body, h.source])).toEqual([
      ['a zebra again', 'both'],
      ['the zebra crossing', 'server'],
    ]);
    const old = results.hits[1]!.message;
    expect(old).toMatchObject({ conversationId, senderId: b.id, seq: 6, key: `${b.id}:history-5-xxxxxxxx` });
    expect(await alice.engine.queries.message(old.key)).toBeUndefined(); // not stored: no hole in the history

    const around = await alice.engine.queries.messagesAround(conversationId, old.id!, 2, 2);
    expect(around.map((m) => m.body)).toEqual(['old 3', 'old 4', 'the zebra crossing', 'old 6', 'old 7']);
    const again = await alice.engine.search('zebra');
    expect(again.hits.map((h) => h.source)).toEqual(['both', 'both']);
  });

  it('a failing server leaves the device hits with server: false and the reason; offline the server is not asked', async () => {
    const { alice, b } = await env.pair();
    await alice.engine.send(b.id, 'quokka pictures');
    await waitFor(() => alice.engine.getState().outboxSize === 0);
    let asked = 0;
    const stop = env.server.intercept(async (call, next) => {
      if (call.op !== 'searchMessages') return next();
      asked++;
      throw fail('INTERNAL', 'search index broken');
    });
    const failed = await alice.engine.search('quokka');
    expect(failed).toMatchObject({ server: false, serverError: { code: 'INTERNAL' } });
    expect(bodies(failed)).toEqual(['quokka pictures']);
    expect(asked).toBe(1);

    await offline(alice.engine);
    const away = await alice.engine.search('quokka');
    expect(away.server).toBe(false);
    expect(bodies(away)).toEqual(['quokka pictures']);
    expect(asked).toBe(1);
    stop();
  });
});
