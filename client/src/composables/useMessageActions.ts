import type { LocalMessage, OutgoingFile } from '@pigeon/sync-protocol/engine';
import { computed, reactive, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { messageLine } from '../lib/attachments.ts';
import { describeError, errorCode } from '../lib/errors.ts';
import { lastEditable, quoteText, type MessageActionId } from '../lib/message-actions.ts';

/** What the composer is doing besides writing a new message. */
export interface ComposerContext {
  kind: 'reply' | 'edit';
  key: string;
  senderId: string;
  /** Whose message: "You" or their name. */
  name: string;
  preview: string;
  /** edit: the text to start from. */
  body: string;
}

export interface MessageActionsOptions {
  conversationId: string;
  meId: string;
  messages: Readonly<Ref<readonly LocalMessage[]>>;
  nameOf: (userId: string) => string;
  /** A plain new message (the pane's own send: 1:1 or group), with the files picked for it. */
  send: (body: string, files: OutgoingFile[]) => Promise<void>;
  /** Brings a message into the list (loading it if needed); false when it cannot be shown. */
  reveal: (messageId: string) => Promise<boolean>;
  /** Scrolls to, highlights and focuses a message in the list. */
  highlight: (messageId: string) => Promise<boolean>;
  /** Focus back on a bubble after a dialog it opened. */
  focusMessage: (key: string) => void;
  /** "Message info" (groups). */
  info?: (message: LocalMessage) => void;
}

const NOTICE_MS = 2_500;

/**
 * The message actions of one open chat: the menu's choices (reply, react, copy, edit, delete,
 * info), the composer's reply / edit mode, Up arrow, the "more reactions" picker, the delete
 * question, jumping to a quoted message. Everything goes through the engine, which commits
 * locally at once (offline too); refusals it can tell at once show in `error`.
 */
export function useMessageActions(o: MessageActionsOptions) {
  const state = reactive({
    composing: null as { kind: 'reply' | 'edit'; key: string } | null,
    /** The message the emoji picker is open for. */
    pickerFor: null as string | null,
    deleting: null as { key: string; scope: 'everyone' | 'me' } | null,
    busy: false,
    deleteError: null as string | null,
    /** A short confirmation ("Message copied"), read out politely. */
    notice: null as string | null,
    error: null as string | null,
  });
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;

  const byKey = (key: string) => o.messages.value.find((m) => m.key === key);
  const whoIs = (userId: string) => (userId === o.meId ? t('chat.you') : o.nameOf(userId));

  const composer = computed<ComposerContext | null>(() => {
    const c = state.composing;
    const m = c && byKey(c.key);
    // The message went away (deleted, hidden) or can no longer be quoted: leave the mode.
    if (!c || !m || m.deletedAt) return null;
    return { kind: c.kind, key: m.key, senderId: m.senderId, name: whoIs(m.senderId), preview: quoteText(messageLine(m)), body: m.body };
  });

  function say(text: string) {
    state.notice = text;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (state.notice = null), NOTICE_MS);
  }

  /** A refusal the engine could tell at once (its rules, not the network): say which and why. */
  function fail(e: unknown, fallback: string) {
    const refused = ['CONFLICT', 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'].includes(errorCode(e) ?? '');
    state.error = refused && e instanceof Error && e.message ? `${fallback.replace(/\.$/, '')}: ${e.message}` : describeError(e, fallback);
  }

  async function copy(m: LocalMessage) {
    try {
      await navigator.clipboard.writeText(m.body);
      say(t('chat.actions.copied'));
    } catch {
      // No clipboard (an insecure page, a refused permission): nothing to do with the network.
      state.error = t('chat.actions.copyFailed');
    }
  }

  function onAction(id: MessageActionId, m: LocalMessage) {
    state.error = null;
    switch (id) {
      case 'reply':
      case 'edit':
        state.composing = { kind: id, key: m.key };
        break;
      case 'copy':
        void copy(m);
        break;
      case 'info':
        o.info?.(m);
        break;
      case 'delete-everyone':
      case 'delete-me':
        state.deleteError = null;
        state.deleting = { key: m.key, scope: id === 'delete-me' ? 'me' : 'everyone' };
        break;
      case 'react':
        state.pickerFor = m.key;
        break;
    }
  }

  function react(key: string, emoji: string) {
    state.error = null;
    engine.react(key, emoji).catch((e: unknown) => fail(e, t('chat.actions.reactFailed')));
  }

  function pick(emoji: string) {
    const key = state.pickerFor;
    closePicker();
    if (key) react(key, emoji);
  }

  function closePicker() {
    const key = state.pickerFor;
    state.pickerFor = null;
    if (key) o.focusMessage(key);
  }

  async function confirmDelete() {
    const d = state.deleting;
    if (!d) return;
    state.busy = true;
    state.deleteError = null;
    try {
      await engine.deleteMessage(d.key, d.scope);
      state.deleting = null;
      if (state.composing?.key === d.key) state.composing = null;
      if (d.scope === 'everyone') o.focusMessage(d.key);
    } catch (e) {
      state.deleteError = describeError(e, t('chat.actions.deleteFailed'));
    } finally {
      state.busy = false;
    }
  }

  function cancelDelete() {
    const d = state.deleting;
    state.deleting = null;
    if (d) o.focusMessage(d.key);
  }

  /** The composer's submit: an edit, a reply, or a new message (files: the tray's, never with an edit). */
  async function submit(body: string, files: OutgoingFile[] = []) {
    const c = composer.value;
    state.composing = null;
    state.error = null;
    try {
      if (c?.kind === 'edit') {
        if (body !== c.body) await engine.editMessage(c.key, body);
      } else if (c?.kind === 'reply') await engine.sendToConversation(o.conversationId, body, { replyTo: c.key, ...(files.length ? { files } : {}) });
      else await o.send(body, files);
    } catch (e) {
      fail(e, c?.kind === 'edit' ? t('chat.actions.editFailed') : t('chat.pane.saveFailed'));
    }
  }

  /** Up arrow in an empty composer: edit our last message, if it is still editable. */
  function editLast() {
    const m = lastEditable(o.messages.value, o.meId, Date.now());
    if (m) state.composing = { kind: 'edit', key: m.key };
  }

  function cancelComposing() {
    state.composing = null;
  }

  /** A quote was clicked: show the original, loading it first if this device does not hold it. */
  async function jump(m: LocalMessage) {
    const id = m.replyTo?.id;
    if (!id) {
      // The original is still on its way to the server (no id yet): it is among the newest, in the list.
      if (m.replyTo?.key) o.focusMessage(m.replyTo.key);
      return;
    }
    state.error = null;
    try {
      if ((await o.reveal(id)) && (await o.highlight(id))) return;
      say(t('chat.actions.originalGone'));
    } catch (e) {
      fail(e, t('chat.actions.originalFailed'));
    }
  }

  function dismiss(key: string) {
    engine.dismissActionError(key).catch((e: unknown) => fail(e, t('chat.actions.generic')));
  }

  return { state, composer, onAction, react, pick, closePicker, confirmDelete, cancelDelete, submit, editLast, cancelComposing, jump, dismiss };
}

export type MessageActions = ReturnType<typeof useMessageActions>;
