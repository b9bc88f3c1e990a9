import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue';

export interface UsePageVisibleOptions {
  /** Injectable for tests. Default: the global document. */
  document?: Document;
}

/** True while the page is visible (not in a background tab or a minimised window). */
export function usePageVisible(options: UsePageVisibleOptions = {}): Readonly<Ref<boolean>> {
  const { document: doc = document } = options;
  const visible = ref(doc.visibilityState === 'visible');
  function update() {
    visible.value = doc.visibilityState === 'visible';
  }
  doc.addEventListener('visibilitychange', update);
  if (getCurrentScope()) onScopeDispose(() => doc.removeEventListener('visibilitychange', update));
  return visible;
}
