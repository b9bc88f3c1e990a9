import { describe, expect, it } from 'vitest';
import { Audience } from './audience.ts';
import { BlockList } from './blocks.ts';
import { Contacts } from './contacts.ts';

/** Contacts and blocks over a store that counts its contact reads (`contactsOf`). */
function setup(blocked: [string, string][] = []) {
  const contactReads: string[] = [];
  const store = {
    contactsOf: async (userId: string) => {
      contactReads.push(userId);
      return { peerIds: [], groups: [] };
    },
    getHistory: async () => [] as never,
    blockedBy: async (userId: string) => blocked.filter(([a]) => a === userId).map(([, b]) => b),
    blockersOf: async (userId: string) => blocked.filter(([, b]) => b === userId).map(([a]) => a),
    blockUser: async () => {},
    unblockUser: async () => {},
  };
  const audience = new Audience(new Contacts({ store }), new BlockList({ store }));
  return { audience, contactReads };
}

describe('Audience.canSeeContact (two people who just started a direct conversation)', () => {
  it('answers from the blocks alone: no contact list is read', async () => {
    const { audience, contactReads } = setup();
    expect(await audience.canSeeContact('a', 'b')).toBe(true);
    expect(await audience.canSeeContact('b', 'a')).toBe(true);
    expect(contactReads).toEqual([]);
    // canSee, for anyone, still reads the viewer's contacts first.
    expect(await audience.canSee('a', 'b')).toBe(false);
    expect(contactReads).toEqual(['a']);
  });

  it('says no when either blocked the other', async () => {
    const { audience } = setup([['a', 'b']]);
    expect(await audience.canSeeContact('a', 'b')).toBe(false);
    expect(await audience.canSeeContact('b', 'a')).toBe(false);
    expect(await audience.canSeeContact('a', 'c')).toBe(true);
  });
});
