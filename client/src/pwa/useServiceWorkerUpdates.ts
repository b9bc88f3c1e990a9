import { useRegisterSW } from 'virtual:pwa-register/vue';
import { watch, type Ref } from 'vue';
import { dropPushOnSignOut } from './push-sign-out.ts';
import { listenToServiceWorker } from './sw-messages.ts';

export interface UseServiceWorkerUpdatesOptions {
  /** How often an open tab asks the server for a new service worker. Default: hourly. */
  checkEveryMs?: number;
  /** The "ready to work offline" note hides itself after this long. Default 4 s: it says nothing to act on. */
  offlineReadyNoticeMs?: number;
}

export interface UseServiceWorkerUpdatesReturn {
  /** A new version is installed and waiting for the user's go-ahead. */
  needRefresh: Ref<boolean>;
  /** First install finished: the app now opens without a network. */
  offlineReady: Ref<boolean>;
  update(): Promise<void>;
  dismiss(): void;
}

/**
 * Registers the service worker ('prompt' mode): a new version never takes over on its
 * own — it waits until the user presses Reload, so a half-typed message is not lost.
 * Long-lived tabs (an installed PWA may stay open for days) poll for updates.
 */
export function useServiceWorkerUpdates(options: UseServiceWorkerUpdatesOptions = {}): UseServiceWorkerUpdatesReturn {
  const { checkEveryMs = 60 * 60 * 1000, offlineReadyNoticeMs = 4_000 } = options;
  // Mounted once at start (UpdatePrompt.vue in App.vue): the worker's "open this chat" messages
  // and the end of a session (no more notifications for it) are followed from here too.
  listenToServiceWorker();
  dropPushOnSignOut();

  const { needRefresh, offlineReady, updateServiceWorker } = useRegisterSW({
    immediate: true,
    onRegisteredSW(swUrl, registration) {
      if (!registration) return;
      setInterval(() => void checkForUpdate(swUrl, registration), checkEveryMs);
    },
    onRegisterError(error) {
      console.warn('[sw] registration failed', error);
    },
  });

  // The offline-ready note is informational; the update prompt waits for an answer.
  watch(offlineReady, (ready) => {
    if (ready) setTimeout(() => (offlineReady.value = false), offlineReadyNoticeMs);
  });

  return {
    needRefresh,
    offlineReady,
    update: () => updateServiceWorker(true),
    dismiss() {
      needRefresh.value = false;
      offlineReady.value = false;
    },
  };
}

/** Skips the check while offline or mid-install, and fetches sw.js past the HTTP cache. */
async function checkForUpdate(swUrl: string, registration: ServiceWorkerRegistration): Promise<void> {
  if (registration.installing || !navigator.onLine) return;
  try {
    const response = await fetch(swUrl, { cache: 'no-store', headers: { 'cache-control': 'no-cache' } });
    if (response.status === 200) await registration.update();
  } catch {
    // Offline or server down: try again at the next tick.
  }
}
