import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue';

/** Whether a CSS media query currently matches, e.g. `useMediaQuery('(max-width: 719px)')`. */
export function useMediaQuery(query: string): Readonly<Ref<boolean>> {
  const list = window.matchMedia(query);
  const matches = ref(list.matches);
  function update(event: MediaQueryListEvent) {
    matches.value = event.matches;
  }
  list.addEventListener('change', update);
  if (getCurrentScope()) onScopeDispose(() => list.removeEventListener('change', update));
  return matches;
}
