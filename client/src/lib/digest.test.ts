import { describe, expect, it } from 'vitest';
import { digest } from './digest.ts';

describe('digest', () => {
  it('is the same for the same text and differs for a one-character change', () => {
    const text = JSON.stringify({ conversations: [{ id: 'c1', preview: 'On my way' }] });
    expect(digest(text)).toBe(digest(`${text}`));
    expect(digest(text)).not.toBe(digest(text.replace('way', 'wax')));
    expect(digest('')).not.toBe(digest(' '));
  });

  it('spreads over many inputs (no collision among 100,000 close strings)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(digest(`row ${i}`));
    expect(seen.size).toBe(100_000);
  });
});
