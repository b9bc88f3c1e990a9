import { computed, onBeforeUnmount, onMounted, onUpdated, ref, type Ref } from 'vue';
import { rowWindow } from '../lib/row-window.ts';
import { afterNextPaintOrNow } from '../perf/marks.ts';

export interface RowWindowOptions {
  /** The list element: its rows are its children, its padding stands for the rows not drawn; its parent scrolls. */
  list: Readonly<Ref<HTMLElement | null>>;
  count: () => number;
  /** A row's height before one is measured (px): a little under the real one draws a row or two too many, never too few. */
  estimatePx: number;
  /** Rows drawn beyond each edge of the view once the first frame is painted. */
  overscan?: number;
}

/**
 * A windowed list of equal-height rows (the chat list): only the rows in view are drawn, padding
 * stands for the others, so a cold open with many chats draws a screenful of rows, not all of
 * them (issue #20). The chats' rows are one line of name and one of preview, so one height is
 * measured (the drawn rows' mean, again after every render and resize) rather than each row's,
 * unlike a chat's bubbles (useVirtualList.ts).
 *
 * Until the first frame is painted the view is taken to be the whole window (no taller scroller
 * exists) and a row the estimated height, a little under the real one: that frame draws a few rows
 * too many, none too few, and no overscan; the measured window and the rows beyond the edges follow
 * once it has been painted, as the chat's message list's do.
 */
export function useRowWindow(o: RowWindowOptions) {
  const rowPx = ref(o.estimatePx);
  const viewportPx = ref(typeof window === 'undefined' ? 0 : window.innerHeight);
  const scrollTop = ref(0);
  const lean = ref(true);
  const win = computed(() =>
    rowWindow({ count: o.count(), rowPx: rowPx.value, scrollTop: scrollTop.value, viewportPx: viewportPx.value, overscan: lean.value ? 0 : (o.overscan ?? 4) }),
  );
  // Separate numbers, so a scroll that moves no edge re-renders nothing.
  const start = computed(() => win.value.start);
  const end = computed(() => win.value.end);
  const padTop = computed(() => win.value.padTop);
  const padBottom = computed(() => win.value.padBottom);

  let scroller: HTMLElement | null = null;
  /** Where the list starts in the scroller's content (px). */
  let listOffset = 0;
  let resizes: ResizeObserver | null = null;
  let painted = false;

  function onScroll() {
    if (scroller) scrollTop.value = scroller.scrollTop - listOffset;
  }

  /**
   * Reads the view and the rows' height from the DOM (after a render, a resize). Not before the first
   * frame is painted: a read then forces the page's first layout early and its answer re-renders the
   * list before that frame, work the first paint waits for. The estimates draw enough rows meanwhile.
   */
  function measure() {
    const list = o.list.value;
    if (!list || !scroller || !painted) return;
    // Hidden (a phone's list while a chat is open: v-show): it reads as scrolled to 0 with no height, and the
    // browser gives the scroll position back when it shows again. Keep the window for that moment, so the row
    // the chat was opened from is drawn when Esc returns the focus to it.
    if (scroller.getClientRects().length === 0) return;
    const box = list.getBoundingClientRect();
    listOffset = box.top - scroller.getBoundingClientRect().top + scroller.scrollTop;
    viewportPx.value = scroller.clientHeight;
    onScroll();
    const first = list.firstElementChild;
    const last = list.lastElementChild;
    if (!first || !last) return;
    // From the rows in the DOM (not the window's numbers, which may be ahead of the render).
    const mean = (last.getBoundingClientRect().bottom - first.getBoundingClientRect().top) / list.children.length;
    // Half a pixel: sub-pixel rounding must not re-render the list over and over.
    if (mean > 0 && Math.abs(mean - rowPx.value) > 0.5) rowPx.value = mean;
  }

  onMounted(() => {
    scroller = o.list.value?.parentElement ?? null;
    if (!scroller) return;
    scroller.addEventListener('scroll', onScroll, { passive: true });
    if (typeof ResizeObserver === 'function') {
      resizes = new ResizeObserver(() => measure());
      resizes.observe(scroller);
    }
    afterNextPaintOrNow(() => {
      painted = true;
      lean.value = false;
      measure();
    });
  });
  onUpdated(measure);
  onBeforeUnmount(() => {
    scroller?.removeEventListener('scroll', onScroll);
    resizes?.disconnect();
  });

  return { start, end, padTop, padBottom };
}
