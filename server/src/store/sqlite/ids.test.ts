import { describe, expect, it } from 'vitest';
import { encodeUuidv7, uuidv7, uuidv7Generator } from './ids.ts';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => parseInt(id.replace('-', '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('is a well-formed version 7, variant 10 UUID', () => {
    expect(uuidv7()).toMatch(UUIDV7);
    expect(encodeUuidv7(1, 0xfff)).toMatch(UUIDV7);
  });

  it('carries its millisecond timestamp in the first 48 bits', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    expect(msOf(encodeUuidv7(at, 0))).toBe(at);
    expect(msOf(uuidv7Generator(() => at)())).toBe(at);
  });

  it('sorts in the order the ids were made: across milliseconds and within one', () => {
    let now = 1_700_000_000_000;
    const next = uuidv7Generator(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 10 === 0) now += 1; // ten ids per millisecond
      ids.push(next());
    }
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => UUIDV7.test(id))).toBe(true);
  });

  it('past 4,096 ids in one millisecond, borrows the next one: still ordered, never repeated', () => {
    const next = uuidv7Generator(() => 1);
    const ids = Array.from({ length: 10_000 }, next);
    expect(new Set(ids)).toHaveProperty('size', 10_000);
    expect([...ids].sort()).toEqual(ids);
    expect(msOf(ids[0]!)).toBe(1);
    expect(msOf(ids.at(-1)!)).toBeLessThanOrEqual(4);
  });

  it('a clock that steps back does not reorder: ids go on from the last one', () => {
    let now = 5_000;
    const next = uuidv7Generator(() => now);
    const before = next();
    now = 4_000;
    const after = next();
    expect(after > before).toBe(true);
    expect(msOf(after)).toBe(5_000);
  });
});
