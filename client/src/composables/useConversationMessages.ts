import type { LocalMessage } from '@pigeon/sync-protocol/engine';
import { computed, ref, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import { engine } from '../engine.ts';
import { reuseUnchanged } from '../lib/reuse-unchanged.ts';
import { useEngineState } from './useEngineState.ts';
import { useLiveQuery } from './useLiveQuery.ts';
import { warmUp } from './warmLiveQuery.ts';

/** Messages in the first window, and per page of server history. */
const PAGE_SIZE = 50;

const firstWindowKey = (conversationId: string, limit: number) => `messages:${conversationId}:${limit}`;

/**
 * Starts reading a conversation's first window now (the user clicked it): the chat that mounts
 * next adopts the read instead of starting its own after its first frame (warmLiveQuery.ts).
 * Resolves once the window is read (never rejects).
 */
export function prefetchConversationMessages(conversationId: string, pageSize = PAGE_SIZE): Promise<void> {
  return warmUp(firstWindowKey(conversationId, pageSize), () => engine.queries.messages(conversationId, pageSize));
}

export interface UseConversationMessagesOptions {
  /** Messages in the first window, and per page of server history. Default 50. */
  pageSize?: number;
  /**
   * How many messages the local window widens by at a time. Default 200: the list draws only the
   * rows in view, so a wider step costs no DOM, while each widening re-reads the whole window from
   * IndexedDB on the main thread (a long frame on a long chat): fewer, larger steps re-read less.
   */
  widenBy?: number;
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
  /** It failed and the engine is not online: it is fetched again by itself once it is (not the reader's to retry). */
  olderWaitsForNetwork: ComputedRef<boolean>;
  loadOlder(): Promise<void>;
  /**
   * Widens the window until it holds the message with server id `messageId` (a quote was
   * clicked), loading it and its neighbours from the server first when this device does not
   * hold it (queries.messagesAround). False when it cannot be shown (deleted for me, unknown).
   */
  reveal(messageId: string): Promise<boolean>;
  isEmpty: ComputedRef<boolean>;
}

/** How far `reveal` widens the window at most (steps of `widenBy`), and how long it waits for one step. */
const REVEAL_MAX_PAGES = 40;
const REVEAL_PAGE_WAIT_MS = 3_000;

/**
 * A growing window over one conversation's local messages. Scrolling up first widens the
 * window over what is already in IndexedDB, and only when that is exhausted asks the
 * server for older history (engine.loadOlder), which lands in IndexedDB and so in the window.
 */
export function useConversationMessages(conversationId: string, options: UseConversationMessagesOptions = {}): UseConversationMessagesReturn {
  const { pageSize = PAGE_SIZE, widenBy = 200 } = options;
  const limit = ref(pageSize);
  const loadingOlder = ref(false);
  const reachedStart = ref(false);
  const olderFailed = ref(false);

  const { data: messages, loaded, results } = useLiveQuery(() => engine.queries.messages(conversationId, limit.value), {
    initial: [] as LocalMessage[],
    deps: limit,
    // The first subscription is for limit === pageSize: the same query prefetchConversationMessages warms.
    warm: firstWindowKey(conversationId, pageSize),
    // A re-run after a write to one message (a receipt, a reaction) gives the others back as they were.
    reuse: (shown, next) => reuseUnchanged(shown, next, (m) => m.key) as LocalMessage[],
  });

  async function loadOlder() {
    // Before the first result we cannot tell "window full" from "start of history".
    if (!loaded.value || loadingOlder.value || reachedStart.value) return;
    loadingOlder.value = true;
    olderFailed.value = false;
    try {
      // "Loading" lasts until the widened window's rows are in `messages`: the list asks again when
      // a load ends with its top still in view, which it must judge with the new rows drawn.
      if (messages.value.length >= limit.value) {
        // The local window is full: there may be more on this device already.
        limit.value += widenBy;
        await nextResult();
        return;
      }
      const added = await engine.loadOlder(conversationId, pageSize);
      if (added > 0) {
        limit.value += added;
        await nextResult();
      } else reachedStart.value = true;
    } catch (error) {
      console.warn('[loadOlder]', error);
      olderFailed.value = true;
    } finally {
      loadingOlder.value = false;
    }
  }

  const shown = (messageId: string) => messages.value.some((m) => m.id === messageId);

  /** Resolves at the next result of the live query (or after a while, whatever happens). */
  function nextResult(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, REVEAL_PAGE_WAIT_MS);
      const stop = watch(results, done); // not `messages`: a result equal to the last one leaves it as it was
      function done() {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  }

  async function reveal(messageId: string): Promise<boolean> {
    if (shown(messageId)) return true;
    const around = await engine.queries.messagesAround(conversationId, messageId, pageSize / 2, pageSize / 2);
    if (!around.some((m) => m.id === messageId)) return false;
    for (let page = 0; page < REVEAL_MAX_PAGES && !shown(messageId); page++) {
      const before = messages.value.length;
      limit.value += widenBy;
      await nextResult();
      if (messages.value.length === before && !shown(messageId)) break; // nothing more on this device
    }
    return shown(messageId);
  }

  // Offline, older history cannot come: that is no error to retry but a wait, and the fetch that
  // failed is made again as soon as the engine is back online (a chat opened just before the
  // connection dropped showed "Couldn't load older messages — retry" until the reader pressed it).
  const connection = useEngineState();
  const olderWaitsForNetwork = computed(() => olderFailed.value && connection.value.connection !== 'online');
  watch(
    () => connection.value.connection,
    (now, before) => {
      if (now === 'online' && before !== 'online' && olderFailed.value) void loadOlder();
    },
  );

  const isEmpty = computed(() => loaded.value && messages.value.length === 0);
  return { messages, loaded, loadingOlder, reachedStart, olderFailed, olderWaitsForNetwork, loadOlder, reveal, isEmpty };
}
