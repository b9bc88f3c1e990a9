import { LIMITS, queryTerms } from '@pigeon/sync-protocol';
import type { SearchHit } from '@pigeon/sync-protocol/engine';
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import { engine } from '../engine.ts';
import { useEngineState } from './useEngineState.ts';

export type MessageSearchState = 'idle' | 'loading' | 'done' | 'error';

export interface UseMessageSearchOptions {
  /** Wait this long after the last keystroke (ms). Default 200. */
  debounceMs?: number;
  /** Hits asked for. Default LIMITS.searchResultsMax. */
  limit?: number;
}

export interface UseMessageSearchReturn {
  /** Newest first: this device's messages, merged with the server's when it answered. */
  hits: Readonly<ShallowRef<SearchHit[]>>;
  /** The words matched (what to highlight). */
  terms: Readonly<ShallowRef<string[]>>;
  /** `loading` from the first keystroke of a new query (debounce included) until its answer. */
  state: Readonly<Ref<MessageSearchState>>;
  /** The query the current hits answer ('' before any). */
  answered: Readonly<Ref<string>>;
  /** The hits come from this device only: offline, or the server failed (`serverFailed`). */
  deviceOnly: Readonly<Ref<boolean>>;
  serverFailed: Readonly<Ref<boolean>>;
}

/**
 * Message search for what the user types (`engine.search`), debounced, latest query wins. The
 * engine answers from IndexedDB at once when offline, and merges the server's hits when online;
 * an answer that was device-only is asked again when the connection comes back, so the server's
 * older history joins the list by itself.
 */
export function useMessageSearch(query: () => string, options: UseMessageSearchOptions = {}): UseMessageSearchReturn {
  const { debounceMs = 200, limit = LIMITS.searchResultsMax } = options;
  const hits = shallowRef<SearchHit[]>([]);
  const terms = shallowRef<string[]>([]);
  const state = ref<MessageSearchState>('idle');
  const answered = ref('');
  const deviceOnly = ref(false);
  const serverFailed = ref(false);
  const connection = useEngineState();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;

  const needle = computed(() => query().trim());

  async function search(q: string) {
    const ticket = ++latest;
    state.value = 'loading';
    try {
      const results = await engine.search(q, { limit });
      if (ticket !== latest) return; // a newer query is in flight
      hits.value = results.hits;
      terms.value = results.terms;
      answered.value = q;
      deviceOnly.value = !results.server;
      serverFailed.value = !results.server && results.serverError !== undefined && connection.value.connection === 'online';
      state.value = 'done';
    } catch (e) {
      // The engine answers offline by itself: this is a broken database, not the network.
      if (ticket !== latest) return;
      console.warn('[search]', e);
      state.value = 'error';
    }
  }

  function schedule(q: string, delay: number) {
    clearTimeout(timer);
    latest++; // an answer still in flight is for an older query
    if (queryTerms(q).length === 0) {
      state.value = 'idle';
      hits.value = [];
      terms.value = [];
      answered.value = '';
      return;
    }
    state.value = 'loading'; // the hits shown are an older query's until the answer
    timer = setTimeout(() => void search(q), delay);
  }

  watch(needle, (q) => schedule(q, debounceMs), { immediate: true });
  watch(
    () => connection.value.connection === 'online',
    (online) => {
      if (online && deviceOnly.value && state.value === 'done') schedule(needle.value, 0);
    },
  );
  onScopeDispose(() => clearTimeout(timer));

  return { hits, terms, state, answered, deviceOnly, serverFailed };
}
