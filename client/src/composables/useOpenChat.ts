import type { User } from '@pigeon/sync-protocol';
import type { LocalMessage, OutgoingFile } from '@pigeon/sync-protocol/engine';
import { computed, markRaw, ref, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { useChatShownMark } from './useChatShownMark.ts';
import type { UseConversationMessagesReturn } from './useConversationMessages.ts';
import { useFileDrop } from './useFileDrop.ts';
import { useJumpToMessage } from './useJumpToMessage.ts';
import { useMarkRead } from './useMarkRead.ts';
import { useMessageActions } from './useMessageActions.ts';

/** What an open chat's state needs from the pane that shows it (ChatPane.vue, GroupChatPane.vue). */
export interface ChatPaneDeps<View> {
  /** The chat as the messenger lists it (its unread count and muted flag stay current). */
  view: () => View;
  me: () => User;
  /** A message id the route asks to open the chat at (a search result), or null. */
  jumpTo: () => string | null;
  jumped: () => void;
  /** The pane's message list and composer, once drawn. */
  list: Readonly<Ref<{ highlight(id: string): Promise<boolean>; focusMessage(key: string): void } | null>>;
  composer: Readonly<Ref<{ addFiles(files: File[]): void } | null>>;
}

/** Where the open chats differ (a 1:1 chat, a group). */
export interface OpenChatOptions {
  unreadCount: () => number;
  /** A sender's name, for the quotes of replies. */
  nameOf: (userId: string) => string;
  /** The engine's send into this chat: to the peer, or into the group. */
  send: (body: string, files: OutgoingFile[]) => Promise<unknown>;
  /** Files may be dropped on the chat now (not blocked, still a member). */
  mayDrop: () => boolean;
  /** "Message info" (groups). */
  info?: (message: LocalMessage) => void;
}

/**
 * What every open chat keeps, whatever its kind, around its messages (`history`, the caller's
 * useConversationMessages: a group names who is in them first): read receipts, the mark of its first
 * frame, the send and its error, message actions, the jump to a search result, the drop of files.
 * Called inside the chat's own effect scope (useDirectChat, useGroupChat): all of it stops with it.
 * `actions` and `drop` are raw: their users read `actions.composer.value`, `drop.over.value`.
 */
export function useOpenChat<View>(conversationId: string, history: UseConversationMessagesReturn, deps: ChatPaneDeps<View>, o: OpenChatOptions) {
  const { messages, loaded, reveal } = history;
  const sendError = ref<string | null>(null);

  // Set by the list once its first window covers the view (it fills over a few tasks).
  const listShown = ref(false);
  useChatShownMark(conversationId, listShown);
  // Read receipts: whatever unread is on screen while the page is visible.
  useMarkRead({ conversationId, unreadCount: o.unreadCount, messages, loaded, meId: deps.me().id });

  async function send(body: string, files: OutgoingFile[] = []) {
    sendError.value = null;
    try {
      await o.send(body, files);
    } catch (e) {
      sendError.value = describeError(e, t('chat.pane.saveFailed'));
    }
  }
  const discard = (key: string) => void engine.discard(key).catch((e: unknown) => (sendError.value = describeError(e)));
  const retry = (key: string) => void engine.retry(key).catch((e: unknown) => (sendError.value = describeError(e)));

  // Reply, react, copy, edit, delete from the message menu; the composer's reply and edit modes.
  const actions = useMessageActions({
    conversationId,
    meId: deps.me().id,
    messages,
    nameOf: o.nameOf,
    send,
    reveal,
    highlight: (id) => deps.list.value?.highlight(id) ?? Promise.resolve(false),
    focusMessage: (key) => deps.list.value?.focusMessage(key),
    info: o.info,
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
  const drop = useFileDrop((files) => deps.composer.value?.addFiles(files), o.mayDrop);
  const currentReaction = (key: string) => messages.value.find((m) => m.key === key)?.reactions?.find((r) => r.userId === deps.me().id)?.emoji ?? '';

  // How the chat drives its message list, the same in both panes: `v-bind="chat.listBindings"`.
  const onLoadOlder = () => void history.loadOlder();
  const onShown = () => (listShown.value = true);
  const onMoreReactions = (m: LocalMessage) => actions.onAction('react', m);
  const listBindings = computed(() => ({
    messages: messages.value,
    loaded: loaded.value,
    loadingOlder: history.loadingOlder.value,
    reachedStart: history.reachedStart.value,
    olderFailed: history.olderFailed.value,
    olderWaitsForNetwork: history.olderWaitsForNetwork.value,
    onLoadOlder,
    onShown,
    onRetry: retry,
    onDiscard: discard,
    onAction: actions.onAction,
    onReact: actions.react,
    onMoreReactions,
    onJump: actions.jump,
    onDismiss: actions.dismiss,
  }));

  return { ...history, sendError, listBindings, actions: markRaw(actions), drop: markRaw(drop), currentReaction };
}
