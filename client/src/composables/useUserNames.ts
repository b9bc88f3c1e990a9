import type { User } from '@pigeon/sync-protocol';
import { computed, type ComputedRef } from 'vue';
import { engine } from '../engine.ts';
import { UNKNOWN_USER, userName } from '../lib/user-name.ts';
import { useLiveQuery } from './useLiveQuery.ts';

export interface UseUserNamesReturn {
  /** The user's display name (or username); `fallback` when this device knows nothing of them, '' until the database answered for them. */
  nameOf(userId: string): string;
  /** The profile, from the local database. */
  userOf(userId: string): User | undefined;
  /** True once the local database answered for the current ids. */
  loaded: ComputedRef<boolean>;
}

export { UNKNOWN_USER } from '../lib/user-name.ts';

/**
 * Names of a set of users (a group's members, the senders in a list), read from the engine's
 * local database in one live query: a profile stored later (a 1:1 chat, a catch-up, a people
 * search: stores/known-users.ts) shows at once. The database is the only source, so what shows
 * online shows offline and after a reload too.
 *
 * @example
 * const { nameOf } = useUserNames(() => members.value.map((m) => m.userId));
 */
export function useUserNames(ids: () => readonly string[], fallback = UNKNOWN_USER): UseUserNamesReturn {
  /** Sorted and unique: a new array with the same ids does not subscribe again. */
  const key = computed(() => [...new Set(ids())].sort().join('\n'));
  const { data, loaded } = useLiveQuery(
    async () => {
      const wanted = key.value ? key.value.split('\n') : [];
      const users = await Promise.all(wanted.map((id) => engine.queries.user(id)));
      return { asked: new Set(wanted), users: new Map(users.flatMap((u) => (u ? [[u.id, u] as const] : []))) };
    },
    { initial: { asked: new Set<string>(), users: new Map<string, User>() }, deps: key },
  );

  function userOf(userId: string): User | undefined {
    return data.value.users.get(userId);
  }

  function nameOf(userId: string): string {
    const user = userOf(userId);
    if (user) return userName(user);
    // Not asked yet (the first read, or ids that just joined the set): nothing rather than a
    // "Unknown user" that flashes until the database answers (it names them a moment later).
    return data.value.asked.has(userId) ? fallback : '';
  }

  return { nameOf, userOf, loaded: computed(() => loaded.value) };
}
