/**
 * The people of cached conversations are stored with them (issue #19, item 4): a device that
 * signed in for the first time, caught up and lost the network right after the last sync page
 * shows every peer, member and sender by name, after a restart too, with no request at all.
 */
import { Dexie, type ObservabilitySet } from 'dexie';
import { describe, expect, it } from 'vitest';
import { networkError, waitFor } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

describe('names on a new device, offline', () => {
  const env = memoryFixture();

  /** Every user the conversations of `engine` name (peers, members, senders), with their stored name or null. */
  async function names(engine: SyncEngine, me: string): Promise<Record<string, string | null>> {
    const ids = new Set<string>();
    for (const view of await engine.queries.conversations()) {
      const c = view.conversation;
      if (c.type === 'direct') ids.add(c.peerId);
      for (const m of c.members) ids.add(m.userId);
      for (const message of await engine.queries.messages(c.id, 500)) ids.add(message.senderId);
    }
    ids.delete(me);
    const out: Record<string, string | null> = {};
    for (const id of [...ids].sort()) out[id] = (await engine.queries.user(id))?.displayName ?? null;
    return out;
  }

  it('sign in on a fresh device, catch up, lose the network right after: every peer and member has a name, after a restart too', async () => {
    const people: { engine: SyncEngine; id: string; name: string }[] = [];
    for (const who of ['ann', 'bob', 'cat', 'dan']) {
      const d = env.device();
      const username = env.uniqueName(who);
      const user = await d.engine.signUp(username, PASSWORD, `${who} person`);
      people.push({ engine: d.engine, id: user.id, name: username });
    }
    const [ann, bob, cat, dan] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0], (typeof people)[0]];
    // Ann is written to 1:1 by Bob, and is in a group with Cat and Dan that Cat created (Dan speaks in it).
    await bob.engine.send(ann.id, 'hello ann');
    const group = await cat.engine.createGroup('Trip', [ann.id, dan.id]);
    await cat.engine.sendToConversation(group.id, 'who brings the tent?');
    const serverGroupId = (await waitFor(async () => {
      const view = await cat.engine.queries.conversation(group.id);
      return view && !view.conversation.local && (await cat.engine.queries.outbox()).length === 0 ? view.conversation.id : null;
    })) as string;
    await waitFor(async () => (await dan.engine.queries.messages(serverGroupId)).length >= 2);
    await dan.engine.sendToConversation(serverGroupId, 'me');
    await waitFor(async () => (await dan.engine.queries.outbox()).length === 0);
    await waitFor(async () => (await bob.engine.queries.outbox()).length === 0);

    // Ann's new device: the network goes away the moment its chats are stored (and could show).
    let cut = false;
    const device = env.device({
      transport: env.server.transport({
        intercept: async (_call, next) => {
          if (cut) throw networkError('offline');
          return next();
        },
      }),
    });
    // (Signing in writes the table too, with nothing in it: only the catch-up's writes count.)
    let signedIn = false;
    const part = `idb://${device.dbName}/conversations/`;
    const listener = (parts: ObservabilitySet) => {
      if (signedIn && part in parts) cut = true;
    };
    Dexie.on.storagemutated.subscribe(listener);
    // Signing in connects, and every connect catches up.
    await device.engine.signIn(ann.name, PASSWORD);
    signedIn = true;
    await waitFor(async () => cut && (await device.engine.queries.conversations()).length === 2);
    Dexie.on.storagemutated.unsubscribe(listener);
    device.engine.setNetworkEnabled(false);
    const expected = { [bob.id]: 'bob person', [cat.id]: 'cat person', [dan.id]: 'dan person' };
    expect(await names(device.engine, ann.id)).toEqual(expected);

    // A restart from the same IndexedDB, still offline.
    await device.engine.close();
    const again = device.reopen({ transport: env.server.transport({ intercept: async () => Promise.reject(networkError('offline')) }) });
    expect((await again.resume())?.id).toBe(ann.id);
    again.setNetworkEnabled(false);
    expect((await again.queries.conversations()).length).toBe(2);
    expect(await names(again, ann.id)).toEqual(expected);
    await again.close();
  });

  it('people met in a search are stored (rememberUsers), and leave with their account: another account on the device has none of them', async () => {
    const { alice, a, b } = await env.pair();
    const carol = env.device();
    const carolName = env.uniqueName('carol');
    const c = await carol.engine.signUp(carolName, PASSWORD, 'Carol');
    const found = await alice.engine.searchUsers(carolName);
    expect(found.map((u) => u.id)).toEqual([c.id]);
    await alice.engine.rememberUsers(found);
    expect((await alice.engine.queries.user(c.id))?.displayName).toBe('Carol');

    // Carol signs in on Alice's device: nothing of Alice's people is hers to see.
    await alice.engine.signOut();
    await alice.engine.signIn(carolName, PASSWORD);
    expect(await alice.engine.queries.user(b.id)).toBeUndefined();
    expect(await alice.engine.queries.user(a.id)).toBeUndefined();
    // Signed out, nothing is stored.
    await alice.engine.signOut();
    await expect(alice.engine.rememberUsers(found)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
