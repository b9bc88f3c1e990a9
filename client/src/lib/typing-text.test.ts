import { describe, expect, it } from 'vitest';
import { describeTypists } from './typing-text.ts';

describe('describeTypists', () => {
  it('names up to three typists, then counts the others', () => {
    expect(describeTypists([])).toBe('');
    expect(describeTypists(['Ana'])).toBe('Ana is typing…');
    expect(describeTypists(['Ana', 'Bo'])).toBe('Ana and Bo are typing…');
    expect(describeTypists(['Ana', 'Bo', 'Cy'])).toBe('Ana, Bo and Cy are typing…');
    expect(describeTypists(['Ana', 'Bo', 'Cy', 'Di', 'Ed'])).toBe('Ana, Bo and 3 others are typing…');
  });
});
