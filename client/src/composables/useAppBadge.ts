import { getCurrentScope, onScopeDispose, watch } from 'vue';

/** The Badging API, where the browser has it (installed apps on Chromium, Safari 17 Home Screen apps). */
interface BadgingNavigator {
  setAppBadge?: (contents?: number) => Promise<void>;
  clearAppBadge?: () => Promise<void>;
}

export interface UseAppBadgeOptions {
  /** Injectable for tests. Default: the page's navigator. */
  navigator?: BadgingNavigator;
}

/**
 * The installed app's icon badge follows `count` (0 clears it). Feature-detected; a refusal (not
 * installed, no permission, a browser that throws) is ignored: the badge is a bonus, the tab
 * title carries the same number.
 */
export function useAppBadge(count: () => number, options: UseAppBadgeOptions = {}): void {
  const nav: BadgingNavigator = options.navigator ?? (navigator as BadgingNavigator);
  if (typeof nav.setAppBadge !== 'function' || typeof nav.clearAppBadge !== 'function') return;

  function show(n: number) {
    try {
      const done = n > 0 ? nav.setAppBadge!(n) : nav.clearAppBadge!();
      void Promise.resolve(done).catch(() => {});
    } catch {
      // Some browsers throw synchronously outside an installed app.
    }
  }

  watch(count, show, { immediate: true });
  if (getCurrentScope()) onScopeDispose(() => show(0));
}
