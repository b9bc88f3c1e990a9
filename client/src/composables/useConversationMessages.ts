import type { LocalMessage } from '@pigeon/sync-protocol/engine';
import { computed, ref, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import { engine } from '../engine.ts';
import { useLiveQuery } from './useLiveQuery.ts';

export interface UseConversationMessagesOptions {
  /** Messages per page, for both the local window and server history. Default 50. */
  pageSize?: number;
}

export interface UseConversationMessagesReturn {
  /** Oldest → newest, pending ones last (the engine's order). */
  messages: Readonly<ShallowRef<LocalMessage[]>>;
  loaded: Readonly<Ref<boolean>>;
  loadingOlder: Readonly<Ref<boolean>>;
  /** No older messages exist, locally or on the server. */
  reachedStart: Readonly<Ref<boolean>>;
  /** The last attempt to fetch older history failed (offline, server error). */
  olderFailed: Readonly<Ref<boolean>>;
  loadOlder(): Promise<void>;
  isEmpty: ComputedRef<boolean>;
}

/**
 * A growing window over one conversation's local messages. Scrolling up first widens the
 * window over what is already in IndexedDB, and only when that is exhausted asks the
 * server for older history (engine.loadOlder), which lands in IndexedDB and so in the window.
 */
export function useConversationMessages(conversationId: string, options: UseConversationMessagesOptions = {}): UseConversationMessagesReturn {
  const { pageSize = 50 } = options;
  const limit = ref(pageSize);
  const loadingOlder = ref(false);
  const reachedStart = ref(false);
  const olderFailed = ref(false);

  const { data: messages, loaded } = useLiveQuery(() => engine.queries.messages(conversationId, limit.value), {
    initial: [] as LocalMessage[],
    deps: limit,
  });

  async function loadOlder() {
    // Before the first result we cannot tell "window full" from "start of history".
    if (!loaded.value || loadingOlder.value || reachedStart.value) return;
    loadingOlder.value = true;
    olderFailed.value = false;
    try {
      if (messages.value.length >= limit.value) {
        // The local window is full: there may be more on this device already.
        limit.value += pageSize;
        return;
      }
      const added = await engine.loadOlder(conversationId, pageSize);
      if (added > 0) limit.value += added;
      else reachedStart.value = true;
    } catch (error) {
      console.warn('[loadOlder]', error);
      olderFailed.value = true;
    } finally {
      loadingOlder.value = false;
    }
  }

  const isEmpty = computed(() => loaded.value && messages.value.length === 0);
  return { messages, loaded, loadingOlder, reachedStart, olderFailed, loadOlder, isEmpty };
}
