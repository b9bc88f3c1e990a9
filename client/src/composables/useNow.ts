import { getCurrentScope, onScopeDispose, shallowRef, type ShallowRef } from 'vue';

/** The current time, refreshed every `intervalMs` so relative labels ("Today", "last seen …") roll over. */
export function useNow(intervalMs = 60_000): Readonly<ShallowRef<Date>> {
  const now = shallowRef(new Date());
  const timer = setInterval(() => {
    now.value = new Date();
  }, intervalMs);
  if (getCurrentScope()) onScopeDispose(() => clearInterval(timer));
  return now;
}
