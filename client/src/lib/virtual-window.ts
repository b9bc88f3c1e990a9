/**
 * The arithmetic of a windowed list (useVirtualList): rows of known or estimated heights stacked
 * from 0, and which of them a band of pixels touches. Pure, so the scrolling code stays small.
 */

/** offsets[i] = the top of row i; offsets[n] = the total height. */
export function prefixOffsets(heights: readonly number[]): Float64Array {
  const offsets = new Float64Array(heights.length + 1);
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i]! + heights[i]!;
  return offsets;
}

/** The last row starting at or above `y` (0 above the first row, n - 1 below the last one). */
export function rowAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface RowRange {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
}

/** The rows that the band [top, bottom) touches, `overscan` pixels wider on both sides. */
export function rangeFor(offsets: Float64Array, top: number, bottom: number, overscan: number): RowRange {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = rowAt(offsets, Math.max(0, top - overscan));
  const end = Math.min(n, rowAt(offsets, bottom + overscan) + 1);
  return { start, end: Math.max(end, start + 1) };
}

/** The rows that fill the last `height` pixels (the view at the bottom), plus the overscan above. */
export function rangeAtBottom(offsets: Float64Array, height: number, overscan: number): RowRange {
  const total = offsets[offsets.length - 1] ?? 0;
  return rangeFor(offsets, Math.max(0, total - height), total, overscan);
}

/** The same range once `shift` rows were inserted before it (older messages prepended). */
export function shiftRange(range: RowRange, shift: number, n: number): RowRange {
  const start = Math.min(Math.max(0, range.start + shift), Math.max(0, n - 1));
  return { start, end: Math.min(n, Math.max(start + 1, range.end + shift)) };
}

/** Whether `outer` draws every row of `inner` (and is not empty). */
export function covers(outer: RowRange, inner: RowRange): boolean {
  return outer.end > outer.start && outer.start <= inner.start && outer.end >= inner.end;
}
