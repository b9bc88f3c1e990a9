import { describe, expect, it } from 'vitest';
import { rowWindow } from './row-window.ts';

const base = { count: 50, rowPx: 64, scrollTop: 0, viewportPx: 640, overscan: 3 };

describe('rowWindow', () => {
  it('at the top: the rows in view and the overscan below, the rest as bottom space', () => {
    expect(rowWindow(base)).toEqual({ start: 0, end: 13, padTop: 0, padBottom: 37 * 64 });
  });

  it('scrolled: the overscan on both sides, a partly shown row counted in', () => {
    // Rows 10.5 … 20.5 are in view: rows 10 to 20, plus 3 on each side.
    expect(rowWindow({ ...base, scrollTop: 672 })).toEqual({ start: 7, end: 24, padTop: 7 * 64, padBottom: 26 * 64 });
  });

  it('at the bottom: never past the last row', () => {
    const w = rowWindow({ ...base, scrollTop: 50 * 64 - 640 });
    expect(w.end).toBe(50);
    expect(w.padBottom).toBe(0);
    expect(w.start).toBe(37);
  });

  it('drawn rows and spaces always add up to the whole list', () => {
    for (const scrollTop of [-100, 0, 1, 63, 64, 1000, 3000, 99_999]) {
      for (const viewportPx of [0, 1, 640, 10_000]) {
        const w = rowWindow({ ...base, scrollTop, viewportPx });
        expect(w.padTop + (w.end - w.start) * 64 + w.padBottom).toBe(50 * 64);
        expect(w.start).toBeLessThanOrEqual(w.end);
      }
    }
  });

  it('a short list is drawn whole; a list that starts below the scroller top is drawn from its first row', () => {
    expect(rowWindow({ ...base, count: 4 })).toEqual({ start: 0, end: 4, padTop: 0, padBottom: 0 });
    expect(rowWindow({ ...base, scrollTop: -200 })).toMatchObject({ start: 0, end: 10 });
  });

  it('an unmeasured row height draws every row; an empty list draws none', () => {
    expect(rowWindow({ ...base, rowPx: 0 })).toEqual({ start: 0, end: 50, padTop: 0, padBottom: 0 });
    expect(rowWindow({ ...base, rowPx: Number.NaN })).toMatchObject({ start: 0, end: 50 });
    expect(rowWindow({ ...base, count: 0 })).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
