import { liveQuery } from 'dexie';
import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef, type WatchSource } from 'vue';

export interface UseLiveQueryOptions<T> {
  /** Value until the first result arrives. */
  initial: T;
  /** Reactive inputs of the query; the query is re-subscribed when they change. */
  deps?: WatchSource<unknown> | WatchSource<unknown>[];
  /** Called instead of throwing into the UI. Default: console.warn. */
  onError?: (error: unknown) => void;
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
  const { initial, deps, onError = (e) => console.warn('[useLiveQuery]', e) } = options;
  const data = shallowRef<T>(initial);
  const loaded = ref(false);
  let unsubscribe: (() => void) | null = null;

  function stop() {
    unsubscribe?.();
    unsubscribe = null;
  }

  function subscribe() {
    stop();
    loaded.value = false;
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
