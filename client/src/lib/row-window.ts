/** Which rows of a list of equal-height rows are drawn, and the space that stands for the others. */
export interface RowWindow {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Height of the rows above `start`, in px. */
  padTop: number;
  /** Height of the rows from `end` on, in px. */
  padBottom: number;
}

export interface RowWindowInput {
  count: number;
  /** Height of one row, in px. */
  rowPx: number;
  /** How far the scroller has scrolled past the list's first row, in px (negative: the list starts lower). */
  scrollTop: number;
  /** Height of the scroller's visible area, in px. */
  viewportPx: number;
  /** Rows drawn beyond each edge of the view: a Tab to the next row, or a fast flick, finds it drawn. */
  overscan: number;
}

/**
 * The rows in view plus `overscan` on each side. With a row height of 0 (not measured, nothing
 * to go by) every row is drawn, never none.
 */
export function rowWindow({ count, rowPx, scrollTop, viewportPx, overscan }: RowWindowInput): RowWindow {
  if (count <= 0 || !(rowPx > 0)) return { start: 0, end: Math.max(count, 0), padTop: 0, padBottom: 0 };
  const top = Math.max(scrollTop, 0);
  const bottom = Math.max(scrollTop + Math.max(viewportPx, 0), 0);
  const start = clamp(Math.floor(top / rowPx) - overscan, 0, count);
  const end = clamp(Math.ceil(bottom / rowPx) + overscan, start, count);
  return { start, end, padTop: start * rowPx, padBottom: (count - end) * rowPx };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}
