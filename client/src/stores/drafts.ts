import { reactive } from 'vue';
import { whenEngineLoaded } from '../boot/engine-loader.ts';
import { engine } from '../engine.ts';

/**
 * Unsent composer text per conversation. Kept in the engine's database per account
 * (engine.drafts, sync-protocol/src/engine/local/drafts.ts), so a draft survives a reload, a
 * closed tab and the update prompt's "Reload"; held here in a reactive map the composer reads
 * synchronously when it mounts or its chat changes (the chat panes are kept from one chat to the
 * next, so a composer reads the next chat's draft at the switch: ChatComposer.vue `switchTo`).
 *
 * Hydrated when the account's session starts: the engine reads the drafts before it announces
 * the user (its `state`) and before resume()/signIn() resolve, i.e. before any chat shows.
 * Another account (or none) empties the map: a draft never shows to another account. Writes go
 * through debounced (WRITE_DELAY_MS), and at once when the page is hidden or goes away.
 *
 * A group created on this device opens under its local id and re-opens under the server's id
 * once the creation is acknowledged (MessengerPage.vue follows it). The user may be typing right
 * then: `moveDraft` carries the text, and the focus, over to the new id, or the composer would load
 * the new id's empty draft and the half-written message would vanish. (The group pane, and so the
 * focused element, is kept across the change since session 42; the focus is handed over anyway, for
 * a composer mounted at that moment.)
 */
const drafts = reactive(new Map<string, string>());
/** Conversations whose next composer takes the focus the previous one had (see moveDraft). */
const focusHandedOver = new Set<string>();

/** At most this long between a keystroke and its draft in the database (the issue asks ≤ 300 ms). */
export const WRITE_DELAY_MS = 250;
/** Drafts changed and not written yet ('' deletes). */
const unsaved = new Map<string, string>();
let timer: ReturnType<typeof setTimeout> | undefined;
/** The account whose drafts the map holds. */
let owner: string | null = null;

function follow(userId: string | null): void {
  if (userId === owner) return;
  owner = userId;
  // What the previous account left unwritten cannot be written any more (its session is over).
  clearTimeout(timer);
  unsaved.clear();
  drafts.clear();
  focusHandedOver.clear();
  if (userId) for (const [id, text] of engine.drafts.loaded()) drafts.set(id, text);
}

/** Writes every unsaved draft now. */
export function flushDrafts(): void {
  clearTimeout(timer);
  timer = undefined;
  for (const [id, text] of unsaved) engine.drafts.set(id, text).catch((e: unknown) => console.warn('[drafts]', e));
  unsaved.clear();
}

function remember(conversationId: string, text: string): void {
  if (text) drafts.set(conversationId, text);
  else drafts.delete(conversationId);
  unsaved.set(conversationId, text);
  if (timer === undefined) timer = setTimeout(flushDrafts, WRITE_DELAY_MS);
}

// Followed once the engine is loaded, not when this module is evaluated: that would create the
// engine in the task evaluating the messenger's chunk, which engine.ts keeps apart.
whenEngineLoaded((loaded) => {
  loaded.on('state', (state) => follow(state.userId));
  follow(loaded.getState().userId);
});
if (typeof window !== 'undefined') {
  // A closed tab, a reload (the update prompt's too) or an app sent to the background: write now.
  window.addEventListener('pagehide', flushDrafts);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushDrafts();
  });
}

/** Reactive: a draft hydrated or moved here re-renders what shows it. */
export function draftOf(conversationId: string): string {
  return drafts.get(conversationId) ?? '';
}

export function saveDraft(conversationId: string, text: string): void {
  if (text === draftOf(conversationId)) return;
  remember(conversationId, text);
}

/** The conversation `from` is known as `to` from now on: its draft, and the focus if the composer had it, move there. */
export function moveDraft(from: string, to: string, composerFocused: boolean): void {
  const text = drafts.get(from);
  if (text !== undefined) {
    remember(from, '');
    remember(to, text);
  }
  if (composerFocused) focusHandedOver.add(to);
}

/** True once after moveDraft handed the focus to this conversation's composer. */
export function takeFocus(conversationId: string): boolean {
  return focusHandedOver.delete(conversationId);
}
