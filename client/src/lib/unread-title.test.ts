import { describe, expect, it } from 'vitest';
import { unreadTitle } from './unread-title.ts';

describe('unreadTitle', () => {
  it('shows the count before the name, nothing at 0, and caps it at 99+', () => {
    expect(unreadTitle(0)).toBe('Pigeon');
    expect(unreadTitle(1)).toBe('(1) Pigeon');
    expect(unreadTitle(99)).toBe('(99) Pigeon');
    expect(unreadTitle(100)).toBe('(99+) Pigeon');
    expect(unreadTitle(-2)).toBe('Pigeon');
    expect(unreadTitle(Number.NaN)).toBe('Pigeon');
  });
});
