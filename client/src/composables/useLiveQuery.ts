import { liveQuery } from 'dexie';
import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef, type WatchSource } from 'vue';
import { takeWarm } from './warmLiveQuery.ts';

export interface UseLiveQueryOptions<T> {
  /** Value until the first result arrives. */
  initial: T;
  /** Reactive inputs of the query; the query is re-subscribed when they change. */
  deps?: WatchSource<unknown> | WatchSource<unknown>[];
  /** Called instead of throwing into the UI. Default: console.warn. */
  onError?: (error: unknown) => void;
  /**
   * Key of a subscription warmed up ahead for this very query (warmLiveQuery.ts): the first
   * subscription adopts it, and its result when it is already in (no empty first frame). The
   * caller keeps key and query in step (the same query under the same key).
   */
  warm?: string;
  /**
   * A reactive getter. While it is over 0, the query is not live but read once per that many ms
   * (each read sees everything written before it); back to 0, it is live again at once. For a view
   * that need not follow every write of a long run of writes: the list during a big catch-up,
   * whose pages would each re-run it, and whose reads the next page's write waits behind.
   */
  pauseMs?: () => number;
  /**
   * Given the value shown and a new result, what to show: for keeping the unchanged parts of a
   * result the same objects (lib/reuse-unchanged.ts), so that what draws them does not re-render.
   * Returning the value shown itself changes nothing downstream.
   */
  reuse?: (shown: T, next: T) => T;
}

export interface UseLiveQueryReturn<T> {
  data: Readonly<ShallowRef<T>>;
  /** True once the current subscription delivered its first result. */
  loaded: Readonly<Ref<boolean>>;
  /** Counts the results delivered, also those that changed nothing shown (see `reuse`). */
  results: Readonly<Ref<number>>;
}

/**
 * Mirrors a Dexie `liveQuery` into a Vue ref. Dexie re-runs `query` whenever a table it
 * read from changes (in this tab or, through BroadcastChannel, in another), so the UI
 * reads only the local database and never waits for the network.
 *
 * @example
 * const { data: conversations } = useLiveQuery(() => engine.queries.conversations(), { initial: [] });
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, options: UseLiveQueryOptions<T>): UseLiveQueryReturn<T> {
  const { initial, deps, warm, pauseMs, reuse, onError = (e) => console.warn('[useLiveQuery]', e) } = options;
  const data = shallowRef<T>(initial);
  const loaded = ref(false);
  const results = ref(0);
  let unsubscribe: (() => void) | null = null;
  let paused: ReturnType<typeof setTimeout> | null = null;
  /** Grows with every stop: a read started before it shows nothing and schedules nothing. */
  let generation = 0;

  function stop() {
    generation++;
    unsubscribe?.();
    unsubscribe = null;
    if (paused !== null) clearTimeout(paused);
    paused = null;
  }

  let first = true;

  function show(value: T) {
    data.value = reuse ? reuse(data.value, value) : value;
    results.value++;
    loaded.value = true;
  }

  /** A new subscription (the inputs changed): no result until its first. */
  function subscribe() {
    loaded.value = false;
    follow(); // it stops the old subscription first
  }

  /**
   * Watches live, or, while a pause is asked for, reads once and looks again after the pause. Not a
   * live query then: Dexie runs one again after every write that touches what it read, and drops
   * the result when another such write came meanwhile, so under a page written every ~150 ms (a
   * big catch-up in Chromium) it ran after each page and delivered nothing until the writes ended.
   */
  function follow() {
    stop();
    const adopted = first && warm !== undefined ? takeWarm<T>(warm) : null;
    first = false;
    const pause = pauseMs?.() ?? 0;
    if (adopted && pause > 0) {
      // Its result, if in, is as fresh as a read: shown, and the next read after the pause.
      adopted.unsubscribe();
      if (!adopted.current) return poll(pause);
      show(adopted.current.value);
      paused = setTimeout(follow, pause);
      return;
    }
    if (adopted) {
      unsubscribe = () => adopted.unsubscribe();
      adopted.listen(show, onError);
      if (adopted.current) show(adopted.current.value);
      return;
    }
    if (pause > 0) return poll(pause);
    const subscription = liveQuery(query).subscribe({ next: show, error: onError });
    unsubscribe = () => subscription.unsubscribe();
  }

  /** One read now, then `follow` again after the pause (live again if the pause is over). */
  function poll(pause: number) {
    const mine = generation;
    const again = () => {
      if (mine === generation) paused = setTimeout(follow, pause);
    };
    Promise.resolve()
      .then(query)
      .then(
        (value) => {
          if (mine === generation) show(value);
          again();
        },
        (error: unknown) => {
          if (mine === generation) onError(error);
          again();
        },
      );
  }

  if (deps) watch(deps, subscribe, { immediate: true });
  else subscribe();
  // Into and out of a pause when the getter's answer turns, whether or not a result came: a live
  // query under a write every ~150 ms delivers none (see follow).
  if (pauseMs) watch(() => pauseMs() > 0, () => !first && follow());

  if (getCurrentScope()) onScopeDispose(stop);
  return { data, loaded, results };
}
