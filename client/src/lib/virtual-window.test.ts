import { describe, expect, it } from 'vitest';
import { covers, prefixOffsets, rangeAtBottom, rangeFor, rowAt, shiftRange } from './virtual-window.ts';

describe('virtual-window', () => {
  const offsets = prefixOffsets([10, 20, 30, 40]); // tops 0, 10, 30, 60; total 100

  it('stacks heights', () => {
    expect([...offsets]).toEqual([0, 10, 30, 60, 100]);
  });

  it('finds the row under a pixel', () => {
    expect(rowAt(offsets, -5)).toBe(0);
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 9.9)).toBe(0);
    expect(rowAt(offsets, 10)).toBe(1);
    expect(rowAt(offsets, 59)).toBe(2);
    expect(rowAt(offsets, 500)).toBe(3);
    expect(rowAt(prefixOffsets([]), 5)).toBe(0);
  });

  it('takes the rows a band touches, with overscan', () => {
    expect(rangeFor(offsets, 12, 28, 0)).toEqual({ start: 1, end: 2 });
    expect(rangeFor(offsets, 12, 28, 5)).toEqual({ start: 0, end: 3 });
    expect(rangeFor(offsets, 0, 1000, 0)).toEqual({ start: 0, end: 4 });
    expect(rangeFor(prefixOffsets([]), 0, 100, 10)).toEqual({ start: 0, end: 0 });
  });

  it('takes the last rows for a view at the bottom', () => {
    expect(rangeAtBottom(offsets, 35, 0)).toEqual({ start: 3, end: 4 });
    expect(rangeAtBottom(offsets, 45, 0)).toEqual({ start: 2, end: 4 });
    expect(rangeAtBottom(offsets, 1000, 0)).toEqual({ start: 0, end: 4 });
  });

  it('follows rows shifted by a prepend, within bounds', () => {
    expect(shiftRange({ start: 2, end: 5 }, 50, 60)).toEqual({ start: 52, end: 55 });
    expect(shiftRange({ start: 2, end: 5 }, 0, 3)).toEqual({ start: 2, end: 3 });
    expect(shiftRange({ start: 2, end: 5 }, -10, 10)).toEqual({ start: 0, end: 1 });
  });

  it('tells whether a drawn window still covers the rows needed', () => {
    expect(covers({ start: 2, end: 10 }, { start: 3, end: 9 })).toBe(true);
    expect(covers({ start: 2, end: 10 }, { start: 2, end: 10 })).toBe(true);
    expect(covers({ start: 2, end: 10 }, { start: 1, end: 9 })).toBe(false);
    expect(covers({ start: 2, end: 10 }, { start: 3, end: 11 })).toBe(false);
    // Nothing drawn covers nothing (a list before its first window).
    expect(covers({ start: 0, end: 0 }, { start: 0, end: 0 })).toBe(false);
  });
});
