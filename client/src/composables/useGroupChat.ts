import type { User } from '@pigeon/sync-protocol';
import type { ConversationView, LocalMessage, OutgoingFile } from '@pigeon/sync-protocol/engine';
import { computed, markRaw, onScopeDispose, reactive, ref, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { typistsIn } from '../stores/typing.ts';
import { useChatShownMark } from './useChatShownMark.ts';
import { useConversationMessages } from './useConversationMessages.ts';
import { questionText, useGroupActions } from './useGroupActions.ts';
import { useFileDrop } from './useFileDrop.ts';
import { useJumpToMessage } from './useJumpToMessage.ts';
import { useMarkRead } from './useMarkRead.ts';
import { useMessageActions } from './useMessageActions.ts';
import { useUserNames } from './useUserNames.ts';

/** How many names the header lists before "…". */
const HEADER_NAMES = 6;

/** What a group chat's state needs from the pane that shows it (GroupChatPane.vue). */
export interface GroupChatDeps {
  /** The group as the messenger lists it (title, members, unread count, whether we may write). */
  view: () => ConversationView;
  me: () => User;
  /** A message id the route asks to open the chat at (a search result), or null. */
  jumpTo: () => string | null;
  jumped: () => void;
  /** The pane's message list and composer, once drawn. */
  list: Readonly<Ref<{ highlight(id: string): Promise<boolean>; focusMessage(key: string): void } | null>>;
  composer: Readonly<Ref<{ addFiles(files: File[]): void } | null>>;
}

/**
 * Everything one open group chat keeps: its messages and the names in them, who types, read
 * receipts, leaving, message actions and "Message info", the jump to a search result, the drop of
 * files, the send. Built in an effect scope per group (useKeyedScope) while GroupChatPane stays
 * mounted from one group to the next: stopping the scope stops every query, watcher and read mark of
 * the group left. A group created here changes id once the server knows it (local → server id):
 * that is a new scope too, the composer carrying the text over (stores/drafts.ts moveDraft).
 *
 * As useDirectChat: refs at the top level read unwrapped, the helpers the template calls through
 * (`actions`, `leave`, `drop`) are kept raw.
 */
export function useGroupChat(conversationId: string, deps: GroupChatDeps) {
  const conversation = computed(() => deps.view().conversation);
  const history = useConversationMessages(conversationId);
  const { messages, loaded, reveal } = history;
  const sendError = ref<string | null>(null);
  const membersOpen = ref(false);
  const infoKey = ref<string | null>(null);
  const leave = useGroupActions(() => conversation.value.id);
  const leaveText = computed(() => questionText({ kind: 'leave' }, deps.view().title));

  const typists = computed(() => typistsIn(conversationId));
  const { nameOf } = useUserNames(() => [
    ...conversation.value.members.map((m) => m.userId),
    ...messages.value.flatMap((m) => [m.senderId, ...(m.system?.userIds ?? []), ...(m.reactions ?? []).map((r) => r.userId), ...(m.replyTo ? [m.replyTo.senderId] : [])]),
    ...typists.value,
  ]);
  const memberNames = computed(() => {
    // '' while the database has not answered for a member yet (useUserNames): left out, not shown as a blank.
    const others = conversation.value.members.filter((m) => m.userId !== deps.me().id).map((m) => nameOf(m.userId)).filter(Boolean);
    others.sort((a, b) => a.localeCompare(b));
    const names = [t('chat.you'), ...others];
    return names.length > HEADER_NAMES ? [...names.slice(0, HEADER_NAMES), '…'] : names;
  });

  /** Why the composer is gone: we left, were removed, or the group's creation was refused. */
  const readOnlyText = computed(() => {
    const me = deps.me().id;
    const last = messages.value.findLast((m) => m.type === 'system' && m.status !== 'failed' && m.system?.userIds?.includes(me));
    if (last?.system?.kind === 'member-left') return t('chat.pane.leftGroup');
    if (conversation.value.local) return t('chat.pane.notCreated');
    return t('chat.pane.noLongerMember');
  });
  const infoMessage = computed<LocalMessage | null>(() => (infoKey.value ? (messages.value.find((m) => m.key === infoKey.value) ?? null) : null));

  // Set by the list once its first window covers the view (it fills over a few tasks).
  const listShown = ref(false);
  useChatShownMark(conversationId, listShown);

  useMarkRead({ conversationId, unreadCount: () => conversation.value.unreadCount, messages, loaded, meId: deps.me().id });

  async function send(body: string, files: OutgoingFile[] = []) {
    sendError.value = null;
    try {
      await engine.sendToConversation(conversationId, body, files.length ? { files } : undefined);
    } catch (e) {
      sendError.value = describeError(e, t('chat.pane.saveFailed'));
    }
  }
  /** Applied on this device at once (the list's icon, the unread total), then synced to the others. */
  const setMuted = (on: boolean) =>
    void engine.setMuted(conversation.value.id, on).catch((e: unknown) => (sendError.value = describeError(e, t('chat.pane.groupMuteFailed'))));
  // Nothing is sent while offline or for a group not created yet.
  const setTyping = (typing: boolean) => engine.setTypingIn(conversationId, typing);
  // Leaving the chat ends what was being typed in it (the composer stays, for the next group).
  onScopeDispose(() => engine.setTypingIn(conversationId, false));
  const discard = (key: string) => void engine.discard(key).catch((e: unknown) => (sendError.value = describeError(e)));
  const retry = (key: string) => void engine.retry(key).catch((e: unknown) => (sendError.value = describeError(e)));

  // Reply, react, copy, edit, delete from the message menu; the composer's reply and edit modes.
  const actions = useMessageActions({
    conversationId,
    meId: deps.me().id,
    messages,
    nameOf,
    send,
    reveal,
    highlight: (id) => deps.list.value?.highlight(id) ?? Promise.resolve(false),
    focusMessage: (key) => deps.list.value?.focusMessage(key),
    info: (m) => (infoKey.value = m.key),
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
  // Files dropped anywhere on the chat go to the composer's tray (while the user may write here).
  const drop = useFileDrop((files) => deps.composer.value?.addFiles(files), () => deps.view().writable);
  const currentReaction = (key: string) => messages.value.find((m) => m.key === key)?.reactions?.find((r) => r.userId === deps.me().id)?.emoji ?? '';

  return reactive({
    conversationId,
    conversation,
    ...history,
    sendError,
    membersOpen,
    infoKey,
    infoMessage,
    leave: markRaw(leave),
    leaveText,
    typists,
    nameOf,
    memberNames,
    readOnlyText,
    listShown,
    actions: markRaw(actions),
    drop: markRaw(drop),
    currentReaction,
    setMuted,
    setTyping,
    discard,
    retry,
  });
}

export type GroupChat = ReturnType<typeof useGroupChat>;
