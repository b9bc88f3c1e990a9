import { LIMITS, textLength, type User } from '@pigeon/sync-protocol';
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { rememberUsers } from '../stores/known-users.ts';

export type PeopleSearchState = 'idle' | 'short' | 'loading' | 'done' | 'error';

export interface UsePeopleSearchOptions {
  /** Wait this long after the last keystroke before asking the server (ms). Default 250. */
  debounceMs?: number;
}

export interface UsePeopleSearchReturn {
  /** The server's answer for the latest query, without the signed-in user. */
  people: Readonly<ShallowRef<User[]>>;
  state: Readonly<Ref<PeopleSearchState>>;
  /** The reason of the last failure, as a sentence. */
  error: Readonly<Ref<string>>;
}

/**
 * The server's user directory for what the user types (`engine.searchUsers`), debounced, latest
 * query wins. From 2 characters on (the server's minimum); below that the state is `short`.
 * The answers are remembered (stores/known-users.ts) so a group's members have names.
 */
export function usePeopleSearch(query: () => string, meId: () => string, options: UsePeopleSearchOptions = {}): UsePeopleSearchReturn {
  const { debounceMs = 250 } = options;
  // shallowRef: the users go back to the engine (IndexedDB), which cannot clone Vue proxies.
  const people = shallowRef<User[]>([]);
  const state = ref<PeopleSearchState>('idle');
  const error = ref('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;

  const needle = computed(() => query().trim().toLowerCase());

  async function search(q: string) {
    const ticket = ++latest;
    state.value = 'loading';
    try {
      const users = await engine.searchUsers(q);
      if (ticket !== latest) return; // a newer query is in flight
      rememberUsers(users);
      people.value = users.filter((u) => u.id !== meId());
      state.value = 'done';
    } catch (e) {
      if (ticket !== latest) return;
      error.value = describeError(e, t('search.failed'));
      state.value = 'error';
    }
  }

  watch(
    needle,
    (q) => {
      clearTimeout(timer);
      latest++; // an answer still in flight is for an older query
      if (!q) {
        state.value = 'idle';
        people.value = [];
        return;
      }
      if (textLength(q) < LIMITS.userSearchMinChars) {
        state.value = 'short';
        people.value = [];
        return;
      }
      timer = setTimeout(() => void search(q), debounceMs);
    },
    { immediate: true },
  );
  onScopeDispose(() => clearTimeout(timer));

  return { people, state, error };
}
