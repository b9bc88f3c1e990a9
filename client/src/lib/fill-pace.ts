import type { RowRange } from './virtual-window.ts';

/**
 * How an opening chat's window of rows fills (useVirtualList): from the newest row up. The first
 * task draws the rows that fill the view (by their estimated heights, at most `firstMax`); the rows
 * beyond it (the overscan) follow after the frame, a few per task, each task kept near `budgetMs`.
 *
 * Why the overscan in small tasks: drawing a phone's screenful of bubbles and the 600 px beyond it in
 * one task was a 250-800 ms task at 4× CPU, most of an open chat's blocking time (issue #20,
 * docs/benchmarks.md figure 12). Why not the view too, as it was until session 48: the rows a chat
 * shows first are painted only once they cover the view, so splitting them only added a render, a
 * layout and a task hop per step before that frame (figure 5: four to five steps, 5-14 ms each, in
 * a 65-80 ms open). A slow phone's first task grows with it: measured in session 48 (docs/benchmarks.md).
 */
export interface FillPace {
  /**
   * How many rows the next task may add. Before any cost is known (the first task): `cover()`, the rows
   * that fill the view, at most `firstMax` and at least `first`.
   */
  rows(cover?: () => number): number;
  /** A task added `rows` rows in `ms` (its render, layout and measuring): the next one is sized on it. */
  record(ms: number, rows: number): void;
}

export interface FillPaceOptions {
  /** Time a task may spend drawing rows. */
  budgetMs?: number;
  /** Rows of the first task at least, before any cost is known. */
  first?: number;
  /** Rows of the first task at most, however many the view takes. */
  firstMax?: number;
  /** Rows per task at most, however cheap they turn out. */
  max?: number;
}

export function fillPace({ budgetMs = 8, first = 4, firstMax = 24, max = 64 }: FillPaceOptions = {}): FillPace {
  let msPerRow: number | null = null;
  return {
    rows: (cover) =>
      msPerRow === null ? Math.min(firstMax, Math.max(first, cover?.() ?? 0)) : Math.max(1, Math.min(max, Math.floor(budgetMs / Math.max(msPerRow, 1e-3)))),
    // The latest task only: the first rows are the dearest (code not yet optimised), later ones cheaper.
    record(ms, rows) {
      if (rows > 0 && ms >= 0) msPerRow = ms / rows;
    },
  };
}

/**
 * The window to draw now on the way to `target` (a window at the bottom: its end is the newest row),
 * adding at most `rows` rows above what `current` draws. Rows below `current` (new messages) are
 * drawn at once, rows no longer in `target` are dropped at once; an empty or disjoint `current`
 * starts from the newest row.
 */
export function growFromBottom(current: RowRange, target: RowRange, rows: number): RowRange {
  const { start, end } = target;
  if (end <= start) return target;
  const drawn = current.end > current.start && current.end > start && current.start < end;
  const from = drawn ? Math.max(current.start, start) : end;
  return { start: Math.max(start, from - Math.max(0, rows)), end };
}
