import { nextTick, ref, type Ref } from 'vue';
import { rangeAtBottom, type RowRange } from '../lib/virtual-window.ts';
import { nextTask } from '../boot/next-task.ts';
import { fillPace, growFromBottom } from '../lib/fill-pace.ts';
import { afterNextPaintOrNow } from '../perf/marks.ts';

export interface OpeningFillDeps {
  scroller: Readonly<Ref<HTMLElement | null>>;
  /** The view follows the newest row: only a window at the bottom is filled step by step. */
  atBottom: Readonly<Ref<boolean>>;
  /** The window drawn now. */
  range: () => RowRange;
  /** Every row's top (prefix sums of the heights, measured or estimated). */
  offsets: () => Float64Array;
  /** The window whose rows were last found in the DOM and measured. */
  measured: () => RowRange;
  /** Sets the window for where the view is now (it comes back through `step`). */
  redraw: () => void;
  /** The list is unmounted: no step runs any more. */
  gone: () => boolean;
}

/**
 * Opening a chat (useVirtualList): the window at the bottom fills from the newest row up
 * (lib/fill-pace.ts): the rows in view first, then the overscan a few rows per task; `filled` once
 * the view is covered. A window away from the bottom (a jump to a message, a scroll) is drawn
 * whole, and ends the filling.
 */
export function useOpeningFill(d: OpeningFillDeps) {
  let filling = true;
  /** Rows were added in this task already: the rest waits for the next one. */
  let grewInTask = false;
  let stepQueued = false;
  let lastGrowth = 0;
  const pace = fillPace();
  const filled = ref(false);

  /** The part of `target` to draw now. `viewKnown`: false where reading the view's height would force a layout (the mount). */
  function step(target: RowRange, viewKnown: boolean): RowRange {
    const el = d.scroller.value;
    if (!d.atBottom.value) {
      filling = false;
      filled.value = true;
      return target;
    }
    const current = d.range();
    // The first task draws the rows that fill the view by their estimated heights (lib/fill-pace.ts).
    const view = () => (viewKnown && el?.clientHeight ? el.clientHeight : window.innerHeight);
    const next = growFromBottom(current, target, grewInTask ? 0 : pace.rows(() => target.end - rangeAtBottom(d.offsets(), view(), 0).start));
    // Rows this render draws that were not drawn (above and below), what the task's time is spent on.
    const overlap = Math.max(0, Math.min(next.end, current.end) - Math.max(next.start, current.start));
    const added = next.end - next.start - overlap;
    if (added > 0) {
      grewInTask = true;
      lastGrowth = added;
    }
    // Covered first: the next step, queued below, waits for a frame once it is. Judged on the rows
    // drawn and measured (`measured`: this is called again by `settle` once a step's rows are), not
    // on estimated heights (the rows this render adds, or a window set but not drawn yet): rows
    // shorter than estimated left a blank above the messages in the frame the chat was first shown
    // in (e2e perf-marks, pigeon:chat-rendered).
    const measured = d.measured();
    if (viewKnown && !filled.value && el?.clientHeight && target.end > target.start && measured.end === target.end && measured.end > measured.start)
      filled.value = measured.start <= rangeAtBottom(d.offsets(), el.clientHeight, 0).start;
    if (next.start > target.start) queueStep();
    else if (target.end > target.start) filling = false;
    if (!filling) filled.value = true;
    return next;
  }

  function queueStep() {
    if (stepQueued) return;
    stepQueued = true;
    // Once the view is covered, the rows beyond it wait for a frame: the steps' yields outrank the
    // browser's rendering, which waited behind them until its starvation limit (~100 ms; traced,
    // the covered view was painted only after the overscan's steps, #20). Behind the frame's
    // user-blocking tasks (pigeon:chat-rendered): the rows beyond the view are not what it showed.
    const afterPaint = filled.value;
    const turn = afterPaint ? new Promise<void>((resolve) => afterNextPaintOrNow(resolve, 'user-visible')) : nextTask();
    void turn.then(async () => {
      stepQueued = false;
      // Covered since this step was queued (once the rows before it were measured, in `settle`): it
      // waits for the frame too, or it drew rows beyond the view ahead of the frame that shows it.
      if (!afterPaint && filled.value && !d.gone() && filling) return queueStep();
      grewInTask = false;
      lastGrowth = 0;
      if (d.gone() || !filling) return;
      const t0 = performance.now();
      d.redraw();
      await nextTick(); // the render, and `settle` (onUpdated): layout and measuring
      pace.record(performance.now() - t0, lastGrowth);
    });
  }

  /** Still filling: every new window goes through `step`. */
  const active = () => filling;
  return { filled, active, step };
}
