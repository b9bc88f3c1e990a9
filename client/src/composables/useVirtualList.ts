import { computed, nextTick, onBeforeUnmount, onMounted, onUpdated, ref, shallowRef, watch, type Ref } from 'vue';
import { covers, prefixOffsets, rangeAtBottom, rangeFor, shiftRange, type RowRange } from '../lib/virtual-window.ts';
import { useOpeningFill } from './useOpeningFill.ts';

export interface VirtualListOptions<R extends { key: string }> {
  /** The scrolling element. */
  scroller: Readonly<Ref<HTMLElement | null>>;
  /** The element holding the drawn rows, one child per row with `data-row-key`; its padding stands for the rows not drawn. */
  rowsEl: Readonly<Ref<HTMLElement | null>>;
  /** Every row, oldest first. */
  rows: () => readonly R[];
  /** A row's height before it is first drawn. */
  estimate: (row: R) => number;
  /** Rows drawn beyond each edge of the view when the window is redrawn, in pixels. */
  overscan?: number;
  /**
   * The window is redrawn only once the rows drawn beyond an edge of the view cover less than this
   * (pixels): scrolling then redraws every few frames, not at every frame (see `updateRange`).
   */
  margin?: number;
  /** Within this many pixels of the bottom counts as "at the bottom": the view follows new rows. */
  stickPx?: number;
  /**
   * False for a row that may move relative to its neighbours when rows are inserted (a chat's day
   * divider goes above the older messages of its day): never used to keep the reader's place.
   */
  stable?: (key: string) => boolean;
}

/**
 * A windowed list for a chat: only the rows in view (and `overscan` pixels around) are drawn,
 * padding stands for the others, at their measured height once they were drawn, else estimated.
 *
 * Why not a virtualiser library: a chat is read from the bottom, grows at both ends, and its rows
 * change height after they are drawn (photos load, text wraps). The one rule that keeps it still
 * is to remember the first row in view and its distance from the top of the view (the anchor),
 * and after any change (a render, a prepended page, a measurement, a resize) put that row back
 * where it was, before the frame is painted; at the bottom, stay at the bottom instead.
 * Chromium's own scroll anchoring is off (`overflow-anchor: none`) so the two do not fight.
 * When the chat opens, its window fills from the newest row up over a few tasks (useOpeningFill).
 */
export function useVirtualList<R extends { key: string }>(o: VirtualListOptions<R>) {
  const overscan = () => o.overscan ?? 600;
  const margin = () => Math.min(o.margin ?? 200, overscan());
  const stickPx = o.stickPx ?? 120;
  const stable = o.stable ?? (() => true);
  /** Heights of rows once drawn (keys survive prepends and window moves). */
  const heights = new Map<string, number>();
  const version = ref(0);
  const range = shallowRef<RowRange>({ start: 0, end: 0 });
  /** The view follows the newest row. */
  const atBottom = ref(true);
  let anchor: { key: string; offset: number } | null = null;
  /**
   * The scroll position as this list last saw or set it. A scroll made since (a wheel step, a
   * script) whose scroll event has not arrived yet must be taken as the reader's new place before
   * anything else, or restoring the old anchor would undo it.
   */
  let known = 0;
  /** The key of the first row in view (for a floating day label). */
  const firstInView = ref<string | null>(null);

  const offsets = computed(() => {
    void version.value;
    return prefixOffsets(o.rows().map((r) => heights.get(r.key) ?? o.estimate(r)));
  });
  const visible = computed(() => o.rows().slice(range.value.start, range.value.end));
  const padTop = computed(() => offsets.value[range.value.start] ?? 0);
  const padBottom = computed(() => {
    const all = offsets.value;
    return (all[all.length - 1] ?? 0) - (all[range.value.end] ?? 0);
  });

  /** The window whose rows `measure` last found in the DOM: their heights are known, not estimated. */
  let measured: RowRange = { start: 0, end: 0 };
  let gone = false;
  const fill = useOpeningFill({
    scroller: o.scroller,
    atBottom,
    range: () => range.value,
    offsets: () => offsets.value,
    measured: () => measured,
    redraw: () => updateRange(),
    gone: () => gone,
  });

  /** `viewKnown`: false where reading the view's height would force a layout (the mount). */
  function setRange(next: RowRange, viewKnown = true) {
    if (fill.active()) next = fill.step(next, viewKnown);
    if (next.start !== range.value.start || next.end !== range.value.end) range.value = next;
  }

  /**
   * The rows under the view now. Each redraw costs a render, a layout and the measuring of the
   * new rows, in the frame of the scroll that needed it: a window still covering the view and
   * `margin` pixels around it is kept, so a steady scroll redraws every few frames (drawing
   * `overscan` pixels of rows ahead at once) instead of at every frame (issue #19, figure 5c).
   */
  function updateRange() {
    const el = o.scroller.value;
    const rowsEl = o.rowsEl.value;
    if (!el || !rowsEl || el.clientHeight === 0) return;
    if (atBottom.value) return setRange(rangeAtBottom(offsets.value, el.clientHeight, overscan()));
    const y = el.getBoundingClientRect().top - rowsEl.getBoundingClientRect().top;
    if (covers(range.value, rangeFor(offsets.value, y, y + el.clientHeight, margin()))) return;
    setRange(rangeFor(offsets.value, y, y + el.clientHeight, overscan()));
  }

  function captureAnchor() {
    const el = o.scroller.value;
    const rowsEl = o.rowsEl.value;
    anchor = null;
    if (!el || !rowsEl) return;
    const view = el.getBoundingClientRect();
    let first: string | null | undefined;
    for (const child of rowsEl.children as HTMLCollectionOf<HTMLElement>) {
      const r = child.getBoundingClientRect();
      const key = child.dataset.rowKey;
      if (r.bottom <= view.top || !key) continue;
      if (r.top >= view.bottom) break; // nothing drawn in view: no anchor
      if (first === undefined) first = r.top < view.top ? key : null;
      if (!stable(key)) continue;
      if (!atBottom.value) anchor = { key, offset: r.top - view.top };
      break;
    }
    firstInView.value = first ?? null;
  }

  function restoreAnchor() {
    const el = o.scroller.value;
    if (!el) return;
    if (atBottom.value) el.scrollTop = el.scrollHeight;
    else if (anchor) {
      const row = o.rowsEl.value?.querySelector<HTMLElement>(`[data-row-key="${CSS.escape(anchor.key)}"]`);
      const delta = row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.offset : 0;
      if (Math.abs(delta) >= 0.5) el.scrollTop += delta;
    }
    known = el.scrollTop;
  }

  /** Takes a scroll not seen yet as the reader's place (see `known`). */
  function catchUp() {
    const el = o.scroller.value;
    if (el && Math.abs(el.scrollTop - known) >= 0.5) onScroll();
  }

  /**
   * Records the drawn rows' heights: the distance from each row's top to the next one's (margins
   * included), in whole pixels, so that the padding is a sum of integers: a measurement that changes
   * nothing must change no padding (a fraction that flips at each render would re-render for ever).
   */
  function measure() {
    const rowsEl = o.rowsEl.value;
    if (!rowsEl || !o.scroller.value?.clientHeight) return;
    const children = rowsEl.children as HTMLCollectionOf<HTMLElement>;
    if (children.length === range.value.end - range.value.start) measured = { ...range.value };
    const tops: number[] = [];
    for (let i = 0; i < children.length; i++) tops.push(children[i]!.getBoundingClientRect().top);
    const end = rowsEl.getBoundingClientRect().bottom - padBottom.value;
    let changed = false;
    for (let i = 0; i < children.length; i++) {
      const key = children[i]!.dataset.rowKey;
      if (!key) continue;
      const h = Math.round((tops[i + 1] ?? end) - tops[i]!);
      if (h > 0 && Math.abs((heights.get(key) ?? -1) - h) >= 1) {
        heights.set(key, h);
        changed = true;
      }
    }
    if (changed) version.value++;
  }

  // A guard: settling may draw other rows, which settles again; past a few rounds in one frame,
  // the rest waits for the next frame (never dropped).
  let rounds = 0;
  let deferred = false;

  /** After anything moved: measure, keep the reader's place, and draw what is now in view. */
  function settle() {
    if (++rounds > 12) {
      if (!deferred) {
        deferred = true;
        requestAnimationFrame(() => {
          deferred = false;
          rounds = 0;
          settle();
        });
      }
      return;
    }
    if (rounds === 1) requestAnimationFrame(() => (rounds = 0));
    catchUp();
    measure();
    restoreAnchor();
    updateRange();
  }

  function onScroll() {
    const el = o.scroller.value;
    if (!el) return;
    known = el.scrollTop;
    atBottom.value = el.scrollHeight - el.scrollTop - el.clientHeight < stickPx;
    captureAnchor();
    updateRange();
  }

  // Rows added or removed: keep drawing the same rows (their indices shift when a page is prepended).
  watch(
    () => o.rows(),
    (next, prev) => {
      catchUp();
      captureAnchor();
      if (atBottom.value) return setRange(rangeAtBottom(offsets.value, o.scroller.value?.clientHeight ?? 800, overscan()));
      // A stable row of the window, found again among the new rows, tells how far the window moved.
      const { start, end } = range.value;
      let shift = 0;
      for (let i = start; i < end; i++) {
        const key = prev[i]?.key;
        if (key === undefined || !stable(key)) continue;
        const at = next.findIndex((r) => r.key === key);
        if (at >= 0) shift = at - i;
        break;
      }
      setRange(shiftRange(range.value, shift, next.length));
    },
    { flush: 'pre' },
  );

  /** Draws the row `key` in the middle of the view (then the caller may scroll it precisely). */
  async function reveal(key: string): Promise<boolean> {
    const el = o.scroller.value;
    const rowsEl = o.rowsEl.value;
    const index = o.rows().findIndex((r) => r.key === key);
    if (!el || !rowsEl || index < 0) return false;
    atBottom.value = false;
    const all = offsets.value;
    const h = all[index + 1]! - all[index]!;
    const offset = Math.max(0, (el.clientHeight - h) / 2);
    anchor = { key, offset };
    // Scroll to where the row should be first (before this frame is painted): left at the bottom,
    // the render of the new window may shrink the scroll height and clamp the view there, and
    // that scroll, taken as the reader's (catchUp), would put the list back at the bottom.
    const rowsTop = rowsEl.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
    el.scrollTop = rowsTop + all[index]! - offset;
    known = el.scrollTop;
    setRange(rangeFor(all, all[index]! - offset, all[index]! - offset + el.clientHeight, overscan()));
    await nextTick();
    anchor = { key, offset };
    restoreAnchor();
    captureAnchor();
    return true;
  }

  /** Back to the newest row. */
  async function toBottom() {
    atBottom.value = true;
    updateRange();
    await nextTick();
    restoreAnchor();
  }

  let resizes: ResizeObserver | null = null;
  onMounted(() => {
    // Without reading the layout: that laid the new pane out once without rows, then again with
    // them, in the task that opens the chat (#20). The window's height stands for the view's.
    if (atBottom.value) setRange(rangeAtBottom(offsets.value, window.innerHeight, overscan()), false);
    else updateRange();
    resizes = new ResizeObserver(settle);
    if (o.rowsEl.value) resizes.observe(o.rowsEl.value);
    if (o.scroller.value) resizes.observe(o.scroller.value);
  });
  onUpdated(settle);
  onBeforeUnmount(() => {
    gone = true;
    resizes?.disconnect();
  });

  return { visible, range, padTop, padBottom, atBottom, firstInView, filled: fill.filled, onScroll, reveal, toBottom, settle };
}
