import { getCurrentScope, onScopeDispose, watchEffect } from 'vue';
import { APP_TITLE, unreadTitle } from '../lib/unread-title.ts';

export interface UseUnreadTitleOptions {
  /** Injectable for tests. Default: the page's document. */
  document?: Pick<Document, 'title'>;
}

/** Keeps the tab title at "(N) Pigeon" while the caller's scope lives; back to "Pigeon" after (sign-out). */
export function useUnreadTitle(total: () => number, options: UseUnreadTitleOptions = {}): void {
  const { document: doc = document } = options;
  watchEffect(() => {
    doc.title = unreadTitle(total());
  });
  if (getCurrentScope()) onScopeDispose(() => (doc.title = APP_TITLE));
}
