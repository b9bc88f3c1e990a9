import { describe, expect, it } from 'vitest';
import { BlockList } from './blocks.ts';

/** A store whose block table the test edits directly, as another node would. */
function fakeStore() {
  const rows = new Set<string>();
  return {
    rows,
    store: {
      blockUser: async (a: string, b: string) => void rows.add(`${a}>${b}`),
      unblockUser: async (a: string, b: string) => void rows.delete(`${a}>${b}`),
      blockedBy: async (a: string) => [...rows].filter((r) => r.startsWith(`${a}>`)).map((r) => r.split('>')[1]!),
      blockersOf: async (b: string) => [...rows].filter((r) => r.endsWith(`>${b}`)).map((r) => r.split('>')[0]!),
    },
  };
}

describe('BlockList', () => {
  it('forgetAll drops every cached list: a block made on another node counts from the next read', async () => {
    const { rows, store } = fakeStore();
    const blocks = new BlockList({ store });
    expect(await blocks.eitherWay('a', 'b')).toBe(false);
    rows.add('a>b'); // blocked through another node; its notice was lost
    expect(await blocks.eitherWay('a', 'b')).toBe(false); // still the cached lists
    blocks.forgetAll();
    expect(await blocks.eitherWay('a', 'b')).toBe(true);
    expect([...(await blocks.blockersOf('b'))]).toEqual(['a']);
  });
});
