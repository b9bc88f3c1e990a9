import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.ts';

describe('uuidv7', () => {
  it('is a well-formed version 7, variant 10 UUID', () => {
    expect(uuidv7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('carries its millisecond timestamp in the first 48 bits', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    expect(parseInt(uuidv7(at).replace('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by creation time across milliseconds, and never repeats', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7(1)))).toHaveProperty('size', 10_000);
  });
});
