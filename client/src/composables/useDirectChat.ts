import type { ConversationView } from '@pigeon/sync-protocol/engine';
import { computed, markRaw, onScopeDispose, reactive, ref, watch } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { presenceOf } from '../stores/presence.ts';
import { useBlockContact } from './useBlockContact.ts';
import { useConversationMessages } from './useConversationMessages.ts';
import { useEngineState } from './useEngineState.ts';
import { useLiveQuery } from './useLiveQuery.ts';
import { useOpenChat, type ChatPaneDeps } from './useOpenChat.ts';

/**
 * Everything one open 1:1 chat keeps: what every chat does (useOpenChat), and its peer with their
 * presence, the block state, mute and typing. Built in an effect scope per chat (useKeyedScope)
 * while ChatPane stays mounted across chats: stopping the scope stops every query, watcher and read
 * mark of the chat left.
 *
 * Refs at the top level read unwrapped (the object is `reactive`); the action, block and drop
 * helpers are kept raw, as their users expect them (`actions.composer.value`, `block.asking.value`).
 */
export function useDirectChat(conversationId: string, deps: ChatPaneDeps<ConversationView | null>) {
  const first = deps.view();
  const peerId = first?.conversation.peerId ?? '';
  const { data: peerRow } = useLiveQuery(() => engine.queries.user(peerId), { initial: first?.peer ?? undefined });
  const peer = computed(() => peerRow.value ?? deps.view()?.peer ?? null);
  const name = computed(() => peer.value?.displayName || peer.value?.username || t('chat.unknownContact'));
  const presence = computed(() => (peer.value ? presenceOf(peer.value) : { online: false, lastSeen: null }));

  const state = useEngineState();
  const connected = computed(() => state.value.connection === 'online');
  const block = useBlockContact(peerId);
  const blocked = block.blocked;
  /** The contact's profile dialog is open (the header's name, #19 item 12). */
  const showProfile = ref(false);

  const chat = useOpenChat(conversationId, useConversationMessages(conversationId), deps, {
    unreadCount: () => deps.view()?.conversation.unreadCount ?? 0,
    nameOf: () => name.value,
    send: (body, files) => engine.send(peerId, body, files.length ? { files } : undefined),
    mayDrop: () => !blocked.value,
  });

  // Presence is pushed while connected; ask once per (re)connection for a fresh answer.
  watch(
    connected,
    (online) => {
      if (online) engine.refreshPresence(peerId).catch((e: unknown) => console.warn('[presence]', e));
    },
    { immediate: true },
  );

  /** Applied on this device at once (the list's icon, the unread total), then synced to the others. */
  const setMuted = (on: boolean) =>
    void engine.setMuted(conversationId, on).catch((e: unknown) => (chat.sendError.value = describeError(e, t('chat.pane.muteFailed'))));
  // The engine ignores input while it cannot reach the server.
  const setTyping = (typing: boolean) => engine.setTyping(peerId, typing);
  // Leaving the chat ends what was being typed in it (the composer stays, for the next chat).
  onScopeDispose(() => engine.setTyping(peerId, false));

  return reactive({ ...chat, conversationId, peerId, peer, name, presence, connected, blocked, block: markRaw(block), showProfile, setMuted, setTyping });
}
