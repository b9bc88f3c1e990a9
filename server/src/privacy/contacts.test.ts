import { describe, expect, it } from 'vitest';
import { Contacts } from './contacts.ts';

/** A store whose contacts are read from `pairs`, counting the reads. */
function fakeStore(pairs: [string, string][]) {
  const reads: string[] = [];
  const store = {
    contactsOf: async (userId: string) => {
      reads.push(userId);
      return { peerIds: pairs.filter((p) => p.includes(userId)).map(([a, b]) => (a === userId ? b : a)), groups: [] };
    },
    getHistory: async () => [] as never,
  };
  return { store, reads };
}

describe('Contacts across nodes (issue #14, C8)', () => {
  it('a conversation started here is added to the cached lists and announced once; one learned from another node is added, not announced again', async () => {
    const { store } = fakeStore([]);
    const announced: [string, string][] = [];
    const contacts = new Contacts({ store, announce: (a, b) => announced.push([a, b]) });
    expect([...(await contacts.peersOf('u'))]).toEqual([]); // cached: none yet

    contacts.learned('u', 'p'); // started on another node
    expect([...(await contacts.peersOf('u'))]).toEqual(['p']);
    contacts.started('u', 'q');
    expect([...(await contacts.peersOf('u'))]).toEqual(['p', 'q']);
    expect(announced).toEqual([['u', 'q']]);
  });

  it('forgetAll drops every cached list: the next read goes to the store', async () => {
    const pairs: [string, string][] = [];
    const { store, reads } = fakeStore(pairs);
    const contacts = new Contacts({ store });
    expect([...(await contacts.peersOf('u'))]).toEqual([]);
    pairs.push(['u', 'p']); // stored on another node, its notice lost with Redis
    expect([...(await contacts.peersOf('u'))]).toEqual([]);
    contacts.forgetAll();
    expect([...(await contacts.peersOf('u'))]).toEqual(['p']);
    expect(reads).toEqual(['u', 'u']);
  });

  it('the current members of the user’s groups are contacts too, each once', async () => {
    const contacts = new Contacts({
      store: {
        contactsOf: async () => ({ peerIds: ['p', 'q'], groups: [{ id: 'g:1', memberIds: ['u', 'q', 'r'] }, { id: 'g:2', memberIds: ['s', 'u'] }] }),
        getHistory: async () => [],
      },
    });
    expect([...(await contacts.peersOf('u'))].sort()).toEqual(['p', 'q', 'r', 's']);
    expect(await contacts.share('u', 'r')).toBe(true);
  });

  it('a pair found in the store by `share` is learned, not announced (the node that stored it did)', async () => {
    const announced: unknown[] = [];
    const contacts = new Contacts({
      store: { contactsOf: async () => ({ peerIds: [], groups: [] }), getHistory: async () => [{ id: 'm1' }] as never },
      announce: (a, b) => announced.push([a, b]),
    });
    expect(await contacts.share('u', 'p')).toBe(true);
    expect([...(await contacts.peersOf('p'))]).toEqual([]); // not cached before: read from the store
    expect([...(await contacts.peersOf('u'))]).toEqual(['p']);
    expect(announced).toEqual([]);
  });
});
