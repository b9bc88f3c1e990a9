import { describe, expect, it } from 'vitest';
import { BoundedLru } from './lru.ts';

describe('BoundedLru', () => {
  it('forgets the least recently used entry when full; a read counts as a use', () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.has('b')).toBe(false);
    expect([lru.get('a'), lru.get('c'), lru.size]).toEqual([1, 3, 2]);
  });

  it('entries older than the TTL are absent', () => {
    let t = 0;
    const lru = new BoundedLru<string, true>(10, 100, () => t);
    lru.set('a', true);
    t = 99;
    expect(lru.has('a')).toBe(true);
    t = 200; // the read above did not refresh the entry's age
    expect(lru.has('a')).toBe(false);
    expect(lru.size).toBe(0);
  });
});
