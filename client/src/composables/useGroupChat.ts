import type { ConversationView, LocalMessage } from '@pigeon/sync-protocol/engine';
import { computed, markRaw, onScopeDispose, reactive, ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { typistsIn } from '../stores/typing.ts';
import { useConversationMessages } from './useConversationMessages.ts';
import { questionText, useGroupActions } from './useGroupActions.ts';
import { useOpenChat, type ChatPaneDeps } from './useOpenChat.ts';
import { useUserNames } from './useUserNames.ts';

/** How many names the header lists before "…". */
const HEADER_NAMES = 6;

/**
 * Everything one open group chat keeps: what every chat does (useOpenChat), and the names in it,
 * who types, why we may not write, leaving, "Message info", mute. Built in an effect scope per group
 * (useKeyedScope) while GroupChatPane stays mounted from one group to the next: stopping the scope
 * stops every query, watcher and read mark of the group left. A group created here changes id once
 * the server knows it (local → server id): that is a new scope too, under the same composer
 * (stores/drafts.ts moveDraft carries the text).
 *
 * As useDirectChat: refs at the top level read unwrapped, the helpers the template calls through
 * (`actions`, `leave`, `drop`) are kept raw.
 */
export function useGroupChat(conversationId: string, deps: ChatPaneDeps<ConversationView>) {
  const conversation = computed(() => deps.view().conversation);
  const infoKey = ref<string | null>(null);
  const membersOpen = ref(false);
  const leave = useGroupActions(() => conversation.value.id);
  const leaveText = computed(() => questionText({ kind: 'leave' }, deps.view().title));

  const typists = computed(() => typistsIn(conversationId));
  const history = useConversationMessages(conversationId);
  const { messages } = history;
  const { nameOf } = useUserNames(() => [
    ...conversation.value.members.map((m) => m.userId),
    ...messages.value.flatMap((m) => [m.senderId, ...(m.system?.userIds ?? []), ...(m.reactions ?? []).map((r) => r.userId), ...(m.replyTo ? [m.replyTo.senderId] : [])]),
    ...typists.value,
  ]);
  const chat = useOpenChat(conversationId, history, deps, {
    unreadCount: () => conversation.value.unreadCount,
    nameOf,
    send: (body, files) => engine.sendToConversation(conversationId, body, files.length ? { files } : undefined),
    // Files may be dropped while the user may write here.
    mayDrop: () => deps.view().writable,
    info: (m) => (infoKey.value = m.key),
  });

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

  /** Applied on this device at once (the list's icon, the unread total), then synced to the others. */
  const setMuted = (on: boolean) =>
    void engine.setMuted(conversation.value.id, on).catch((e: unknown) => (chat.sendError.value = describeError(e, t('chat.pane.groupMuteFailed'))));
  // Nothing is sent while offline or for a group not created yet.
  const setTyping = (typing: boolean) => engine.setTypingIn(conversationId, typing);
  // Leaving the chat ends what was being typed in it (the composer stays, for the next group).
  onScopeDispose(() => engine.setTypingIn(conversationId, false));

  return reactive({
    ...chat,
    conversationId,
    conversation,
    membersOpen,
    infoKey,
    infoMessage,
    leave: markRaw(leave),
    leaveText,
    typists,
    nameOf,
    memberNames,
    readOnlyText,
    setMuted,
    setTyping,
  });
}
