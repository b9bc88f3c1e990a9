import { reactive } from 'vue';
/**
 * Unsent composer text per conversation, kept while the page lives (module scope: the composer
 * of a chat is mounted anew each time the chat opens, and keeps its draft across).
 *
 * A group created on this device opens under its local id and re-opens under the server's id
 * once the creation is acknowledged (MessengerPage.vue re-keys the pane). The user may be typing
 * right then: `moveDraft` carries the text, and the focus, over to the new composer, or the
 * half-written message would vanish (and an Enter pressed just after would send nothing).
 */
const drafts = reactive(new Map<string, string>());
/** Conversations whose next composer takes the focus the previous one had (see moveDraft). */
const focusHandedOver = new Set<string>();

export function draftOf(conversationId: string): string {
  return drafts.get(conversationId) ?? '';
}

export function saveDraft(conversationId: string, text: string): void {
  if (text) drafts.set(conversationId, text);
  else drafts.delete(conversationId);
}

/** The conversation `from` is known as `to` from now on: its draft, and the focus if the composer had it, move there. */
export function moveDraft(from: string, to: string, composerFocused: boolean): void {
  const text = drafts.get(from);
  drafts.delete(from);
  if (text !== undefined) drafts.set(to, text);
  if (composerFocused) focusHandedOver.add(to);
}

/** True once after moveDraft handed the focus to this conversation's composer. */
export function takeFocus(conversationId: string): boolean {
  return focusHandedOver.delete(conversationId);
}
