import type { RowRange } from './virtual-window.ts';

/**
 * How an opening chat's window of rows fills (useVirtualList): from the newest row up, a few rows
 * per task, each task kept near `budgetMs`, so no single task draws a screenful of bubbles.
 *
 * Why: drawing a phone's screenful of bubbles (and the 600 px beyond it) in one task was a 250-800 ms
 * task at 4× CPU, most of an open chat's blocking time (issue #20, docs/benchmarks.md figure 12):
 * input and paint waited for it. In small tasks the newest messages are painted first and the
 * browser can answer a tap between two of them; the rows are the same, only spread over tasks.
 */
export interface FillPace {
  /** How many rows the next task may add. */
  rows(): number;
  /** A task added `rows` rows in `ms` (its render, layout and measuring): the next one is sized on it. */
  record(ms: number, rows: number): void;
}

export interface FillPaceOptions {
  /** Time a task may spend drawing rows. */
  budgetMs?: number;
  /** Rows of the first task, before any cost is known. */
  first?: number;
  /** Rows per task at most, however cheap they turn out. */
  max?: number;
}

export function fillPace({ budgetMs = 8, first = 4, max = 64 }: FillPaceOptions = {}): FillPace {
  let msPerRow: number | null = null;
  return {
    rows: () => (msPerRow === null ? first : Math.max(1, Math.min(max, Math.floor(budgetMs / Math.max(msPerRow, 1e-3))))),
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
