import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';

export interface LoadOlderAtTopOptions {
  /** The scrolling list. */
  scroller: Readonly<Ref<HTMLElement | null>>;
  /** An element at the very top of the list's content (the start-of-history line). */
  sentinel: Readonly<Ref<HTMLElement | null>>;
  /** How many messages are loaded (a page arrived when it changes). */
  count: () => number;
  loading: () => boolean;
  reachedStart: () => boolean;
  failed: () => boolean;
  /** Asks for older messages (repeats while loading are ignored by the caller). */
  loadOlder: () => void;
  /** Within this many pixels of the top, older messages are fetched. */
  topPx?: number;
}

/**
 * Reaching the top of a chat asks for older messages; it asks again while the top stays in view
 * after a page arrived (a short chat never scrolls), and stops at the start of the history.
 * Returns the scroll handler to call from the list's scroll event.
 */
export function useLoadOlderAtTop(o: LoadOlderAtTopOptions): { onScroll: () => void } {
  const topPx = o.topPx ?? 200;
  const sentinelVisible = ref(false);
  const nearTop = () => (o.scroller.value?.scrollTop ?? Infinity) <= topPx;

  let observer: IntersectionObserver | null = null;
  onMounted(() => {
    observer = new IntersectionObserver(
      ([entry]) => {
        sentinelVisible.value = entry?.isIntersecting ?? false;
      },
      { root: o.scroller.value, rootMargin: `${topPx}px 0px 0px 0px` },
    );
    if (o.sentinel.value) observer.observe(o.sentinel.value);
  });
  onBeforeUnmount(() => observer?.disconnect());

  // The sentinel only reports changes of visibility: a page that arrives while the list is
  // scrolled away from the top, then a scroll back up with the sentinel still "visible", would
  // never ask again. Reaching the top by scrolling always asks.
  function onScroll() {
    if (!o.reachedStart() && !o.loading() && nearTop()) o.loadOlder();
  }

  // Nor would a load that ended with the top still in view (its rows were loaded already, or the
  // reader sits at scrollTop 0, where scrolling to the top fires no scroll event): ask again then,
  // unless it failed (the retry button is the reader's to press).
  watch(
    [sentinelVisible, o.count, o.loading],
    ([visible, count], [wasVisible, oldCount, wasLoading]) => {
      if (!visible || o.reachedStart() || o.loading()) return;
      const loadEnded = wasLoading && !o.failed();
      if (visible === wasVisible && count === oldCount && !loadEnded) return;
      // Judged at the next frame, not in this flush: the list scrolls a new first page to the
      // bottom in a post-flush hook of its own (useVirtualList's settle), which may run after this
      // one; judged at scrollTop 0, every chat asked for an older page the moment it opened (a
      // re-read of 250 messages right after its first frame, issue #20). Only a list still near
      // its top then (or too short to scroll) asks for more.
      nextFrame(() => {
        if (sentinelVisible.value && !o.reachedStart() && !o.loading() && nearTop()) o.loadOlder();
      });
    },
    { flush: 'post' },
  );

  return { onScroll };
}

/** Before the next frame is painted (after this task's DOM updates and their hooks). */
function nextFrame(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(fn);
  else setTimeout(fn, 0);
}
