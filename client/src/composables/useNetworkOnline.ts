import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue';

/** navigator.onLine as a ref: false when the device has no network at all (not "the server is down"). */
export function useNetworkOnline(): Readonly<Ref<boolean>> {
  const online = ref(navigator.onLine);
  const update = () => (online.value = navigator.onLine);
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  if (getCurrentScope())
    onScopeDispose(() => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    });
  return online;
}
