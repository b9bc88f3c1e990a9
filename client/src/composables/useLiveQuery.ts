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
}

export interface UseLiveQueryReturn<T> {
  data: Readonly<ShallowRef<T>>;
  /** True once the current subscription delivered its first result. */
  loaded: Readonly<Ref<boolean>>;
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
  const { initial, deps, warm, onError = (e) => console.warn('[useLiveQuery]', e) } = options;
  const data = shallowRef<T>(initial);
  const loaded = ref(false);
  let unsubscribe: (() => void) | null = null;

  function stop() {
    unsubscribe?.();
    unsubscribe = null;
  }

  let first = true;

  function subscribe() {
    stop();
    loaded.value = false;
    const adopted = first && warm !== undefined ? takeWarm<T>(warm) : null;
    first = false;
    if (adopted) {
      if (adopted.current) {
        data.value = adopted.current.value;
        loaded.value = true;
      }
      adopted.listen((value) => {
        data.value = value;
        loaded.value = true;
      }, onError);
      unsubscribe = () => adopted.unsubscribe();
      return;
    }
    const subscription = liveQuery(query).subscribe({
      next(value) {
        data.value = value;
        loaded.value = true;
      },
      error: onError,
    });
    unsubscribe = () => subscription.unsubscribe();
  }

  if (deps) watch(deps, subscribe, { immediate: true });
  else subscribe();

  if (getCurrentScope()) onScopeDispose(stop);
  return { data, loaded };
}
