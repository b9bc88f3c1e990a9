import type { User } from '@pigeon/sync-protocol';
import type { ConversationView, OutgoingFile } from '@pigeon/sync-protocol/engine';
import { computed, markRaw, onScopeDispose, reactive, ref, watch, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { presenceOf } from '../stores/presence.ts';
import { useBlockContact } from './useBlockContact.ts';
import { useChatShownMark } from './useChatShownMark.ts';
import { useConversationMessages } from './useConversationMessages.ts';
import { useEngineState } from './useEngineState.ts';
import { useFileDrop } from './useFileDrop.ts';
import { useJumpToMessage } from './useJumpToMessage.ts';
import { useLiveQuery } from './useLiveQuery.ts';
import { useMarkRead } from './useMarkRead.ts';
import { useMessageActions } from './useMessageActions.ts';

/** What a 1:1 chat's state needs from the pane that shows it (ChatPane.vue). */
export interface DirectChatDeps {
  /** The chat as the messenger lists it (its unread count and muted flag stay current). */
  view: () => ConversationView | null;
  me: () => User;
  /** A message id the route asks to open the chat at (a search result), or null. */
  jumpTo: () => string | null;
  jumped: () => void;
  /** The pane's message list and composer, once drawn. */
  list: Readonly<Ref<{ highlight(id: string): Promise<boolean>; focusMessage(key: string): void } | null>>;
  composer: Readonly<Ref<{ addFiles(files: File[]): void } | null>>;
}

/**
 * Everything one open 1:1 chat keeps: its peer and their presence, its messages, read receipts,
 * block state, message actions, the jump to a search result, the drop of files, the send. Built in
 * an effect scope per chat (useKeyedScope) while ChatPane stays mounted across chats: stopping the
 * scope stops every query, watcher and read mark of the chat left.
 *
 * Refs at the top level read unwrapped (the object is `reactive`); the action, block and drop
 * helpers are kept raw, as their users expect them (`actions.composer.value`, `block.asking.value`).
 */
export function useDirectChat(conversationId: string, deps: DirectChatDeps) {
  const first = deps.view();
  const peerId = first?.conversation.peerId ?? '';
  const { data: peerRow } = useLiveQuery(() => engine.queries.user(peerId), { initial: first?.peer ?? undefined });
  const peer = computed(() => peerRow.value ?? deps.view()?.peer ?? null);
  const name = computed(() => peer.value?.displayName || peer.value?.username || t('chat.unknownContact'));
  const presence = computed(() => (peer.value ? presenceOf(peer.value) : { online: false, lastSeen: null }));

  const state = useEngineState();
  const connected = computed(() => state.value.connection === 'online');
  const history = useConversationMessages(conversationId);
  const { messages, loaded, reveal } = history;
  const sendError = ref<string | null>(null);
  const block = useBlockContact(peerId);
  const blocked = block.blocked;
  /** The contact's profile dialog is open (the header's name, #19 item 12). */
  const showProfile = ref(false);

  // Set by the list once its first window covers the view (it fills over a few tasks).
  const listShown = ref(false);
  useChatShownMark(conversationId, listShown);

  // Presence is pushed while connected; ask once per (re)connection for a fresh answer.
  watch(
    connected,
    (online) => {
      if (online) engine.refreshPresence(peerId).catch((e: unknown) => console.warn('[presence]', e));
    },
    { immediate: true },
  );

  // Read receipts: whatever unread is on screen while the page is visible.
  useMarkRead({ conversationId, unreadCount: () => deps.view()?.conversation.unreadCount ?? 0, messages, loaded, meId: deps.me().id });

  async function send(body: string, files: OutgoingFile[] = []) {
    sendError.value = null;
    try {
      await engine.send(peerId, body, files.length ? { files } : undefined);
    } catch (e) {
      sendError.value = describeError(e, t('chat.pane.saveFailed'));
    }
  }
  const discard = (key: string) => void engine.discard(key).catch((e: unknown) => (sendError.value = describeError(e)));
  const retry = (key: string) => void engine.retry(key).catch((e: unknown) => (sendError.value = describeError(e)));
  /** Applied on this device at once (the list's icon, the unread total), then synced to the others. */
  const setMuted = (on: boolean) =>
    void engine.setMuted(conversationId, on).catch((e: unknown) => (sendError.value = describeError(e, t('chat.pane.muteFailed'))));
  // The engine ignores input while it cannot reach the server.
  const setTyping = (typing: boolean) => engine.setTyping(peerId, typing);
  // Leaving the chat ends what was being typed in it (the composer stays, for the next chat).
  onScopeDispose(() => engine.setTyping(peerId, false));

  // Reply, react, copy, edit, delete from the message menu; the composer's reply and edit modes.
  const actions = useMessageActions({
    conversationId,
    meId: deps.me().id,
    messages,
    nameOf: () => name.value,
    send,
    reveal,
    highlight: (id) => deps.list.value?.highlight(id) ?? Promise.resolve(false),
    focusMessage: (key) => deps.list.value?.focusMessage(key),
  });
  // A search result opened this chat at one of its messages (useJumpToMessage.ts).
  useJumpToMessage({
    jumpTo: deps.jumpTo,
    loaded,
    reveal,
    highlight: async (id) => (await deps.list.value?.highlight(id)) ?? false,
    fail: (message) => (sendError.value = message),
    done: deps.jumped,
  });
  // Files dropped anywhere on the chat go to the composer's tray.
  const drop = useFileDrop((files) => deps.composer.value?.addFiles(files), () => !blocked.value);
  const currentReaction = (key: string) => messages.value.find((m) => m.key === key)?.reactions?.find((r) => r.userId === deps.me().id)?.emoji ?? '';

  return reactive({
    conversationId,
    peerId,
    peer,
    name,
    presence,
    connected,
    ...history,
    sendError,
    blocked,
    block: markRaw(block),
    showProfile,
    listShown,
    actions: markRaw(actions),
    drop: markRaw(drop),
    currentReaction,
    send,
    discard,
    retry,
    setMuted,
    setTyping,
  });
}

export type DirectChat = ReturnType<typeof useDirectChat>;
