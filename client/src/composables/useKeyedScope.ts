import { effectScope, getCurrentScope, onScopeDispose, shallowRef, watch, type EffectScope, type ShallowRef } from 'vue';

/**
 * One value per key, built in an effect scope of its own: when the key changes, the previous
 * scope is stopped (its watchers, live queries, and whatever it registered with onScopeDispose)
 * before the next value is built; a null key builds nothing. Lets a component stay mounted while
 * what it shows changes identity (ChatPane across chats: its DOM is patched, not created anew,
 * issue #20), with nothing of the previous key still running.
 *
 * The key is watched with Vue's default 'pre' flush: a component's pre-flush watchers run before
 * it re-renders for the same change, so its render never pairs a new key with the old value.
 */
export function useKeyedScope<T>(key: () => string | null, build: (key: string) => T): Readonly<ShallowRef<T | null>> {
  const current = shallowRef<T | null>(null);
  let scope: EffectScope | undefined;
  function stop() {
    scope?.stop();
    scope = undefined;
  }
  watch(
    key,
    (k) => {
      stop();
      current.value = null;
      if (k === null) return;
      // Detached: a watcher's callback may run with no scope active, or with another one.
      const next = effectScope(true);
      scope = next;
      current.value = next.run(() => build(k)) ?? null;
    },
    { immediate: true },
  );
  if (getCurrentScope()) onScopeDispose(stop);
  return current;
}
