/**
 * What a send costs the store beyond storing it: no read of a group or of a contact list per message.
 * On FerretDB both scan the messages collection (store/mongo/group-state.ts, store/mongo/contacts.ts),
 * and one such read per commit stalled bench figures 8 and 9 (docs/benchmarks.md, findings 8 and 9:
 * the push notifier's `getGroup`, the first-message introduction's `contactsOf`). On SQLite those reads
 * are cheap, so nothing but a count notices them: this test counts the store calls a server makes,
 * over the real SQLite store, whatever their time.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../server/src/store/store.ts';
import { createGroup, sendToGroup } from './group-helpers.ts';
import { http, register, sendOverRest, startTestServer, useTestServer } from './helpers.ts';

/** The same store, counting each method's calls (at call time). */
function counting(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe('the send path reads no group and no contact list per message', () => {
  const t = useTestServer({ kind: 'sqlite' });

  it('ten group messages and a first direct message between two people who never connected', async () => {
    const { store, calls } = counting(t.server.store);
    const node = await startTestServer({ kind: 'sqlite' }, { store });
    try {
      const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((p) => register(node.url, p)));
      const group = (await createGroup(node.url, alice!.token, [bob!.id, carol!.id], 'Counted')).body.conversation;
      calls.clear();

      for (let i = 0; i < 10; i++) expect((await sendToGroup(node.url, (i % 2 ? bob : alice)!.token, group.id, `m${i}`)).status).toBe(201);
      // Their first message: each is told the other's presence (presence.ts `introduced`). Neither has
      // connected, so no contact list is cached: asking whether they share a conversation would read one.
      expect((await sendOverRest(node.url, carol!.token, dave!.id, 'hello')).status).toBe(201);
      // One more round trip lets the push notifier's last flush start; the graceful stop then waits
      // for the presence work in flight (shutdown.ts), so every call it makes is counted.
      expect((await http(node.url, '/api/health')).status).toBe(200);
    } finally {
      await node.dispose();
    }
    expect(calls.get('sendMessages') ?? calls.get('sendMessage')).toBeGreaterThan(0);
    // The node's membership copy reads the group once after its creation dropped it; never per message.
    expect(calls.get('getGroup') ?? 0).toBeLessThanOrEqual(1);
    expect(calls.get('contactsOf') ?? 0).toBe(0);
  });
});
