import { describe, expect, it } from 'vitest';
import { decodeHistoryCursor, decodeSyncCursor, encodeHistoryCursor, encodeSyncCursor } from './cursor.ts';
import { PigeonError } from './errors.ts';

describe('cursor codec', () => {
  it('round-trips sync positions, and an empty cursor means the start', () => {
    for (const p of [0, 1, 42, 2 ** 40]) expect(decodeSyncCursor(encodeSyncCursor(p))).toBe(p);
    expect(decodeSyncCursor('')).toBe(0);
    expect(decodeSyncCursor(undefined)).toBe(0);
  });

  it('is URL-safe', () => {
    expect(encodeSyncCursor(123456789)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a history cursor used as a sync cursor, and the reverse', () => {
    expect(() => decodeSyncCursor(encodeHistoryCursor(5))).toThrow(PigeonError);
    expect(() => decodeHistoryCursor(encodeSyncCursor(5))).toThrow(PigeonError);
  });

  it.each(['garbage', '!!!', 'djEucy4tMQ', btoa('v1.s.1e9'), btoa('v2.s.1')])('rejects %s with VALIDATION', (c) => {
    try {
      decodeSyncCursor(c);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PigeonError);
      expect((e as PigeonError).code).toBe('VALIDATION');
    }
  });
});
