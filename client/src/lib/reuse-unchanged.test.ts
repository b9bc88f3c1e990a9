import { describe, expect, it } from 'vitest';
import { reuseUnchanged, samePlain } from './reuse-unchanged.ts';

type Row = { key: string; body: string; reactions?: Array<{ userId: string; emoji: string }> };
const key = (r: Row) => r.key;

describe('reuseUnchanged', () => {
  const prev: Row[] = [
    { key: 'a', body: 'one' },
    { key: 'b', body: 'two', reactions: [{ userId: 'u', emoji: '👍' }] },
  ];

  it('gives back the previous array when every row is equal', () => {
    const next = prev.map((r) => structuredClone(r));
    expect(reuseUnchanged(prev, next, key)).toBe(prev);
  });

  it('keeps the unchanged rows and takes the changed one', () => {
    const next = [structuredClone(prev[0]!), { key: 'b', body: 'two', reactions: [{ userId: 'u', emoji: '❤️' }] }];
    const out = reuseUnchanged(prev, next, key);
    expect(out).not.toBe(prev);
    expect(out[0]).toBe(prev[0]);
    expect(out[1]).toBe(next[1]);
  });

  it('keeps rows across an insertion, and a new array for it', () => {
    const next = [{ key: 'z', body: 'older' }, ...prev.map((r) => structuredClone(r))];
    const out = reuseUnchanged(prev, next, key);
    expect(out).not.toBe(prev);
    expect(out.map((r) => r.key)).toEqual(['z', 'a', 'b']);
    expect(out[1]).toBe(prev[0]);
    expect(out[2]).toBe(prev[1]);
  });

  it('gives a new array when a row went away or the order changed', () => {
    expect(reuseUnchanged(prev, [structuredClone(prev[0]!)], key)).toHaveLength(1);
    const swapped = reuseUnchanged(prev, [structuredClone(prev[1]!), structuredClone(prev[0]!)], key);
    expect(swapped).not.toBe(prev);
    expect(swapped[0]).toBe(prev[1]);
  });
});

describe('samePlain', () => {
  it('compares plain data deeply', () => {
    expect(samePlain({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(samePlain({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(samePlain({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(samePlain({ a: undefined }, { b: undefined })).toBe(false);
    expect(samePlain([1], { 0: 1 })).toBe(false);
    expect(samePlain(NaN, NaN)).toBe(true);
  });

  it('compares anything but plain objects and arrays by identity', () => {
    const blob = new Blob(['x']);
    expect(samePlain({ file: blob }, { file: blob })).toBe(true);
    expect(samePlain({ file: blob }, { file: new Blob(['x']) })).toBe(false);
    expect(samePlain(new Date(0), new Date(0))).toBe(false);
  });
});
