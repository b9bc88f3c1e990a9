/**
 * When a new message plays the sound: someone else's text message, new since the app opened
 * (a first sync downloads the whole history: that is not news), in a chat that is not muted and
 * not in front of the user (open in a visible, focused window). Once per message (an edit or a
 * reaction brings the same message again), and at most one sound per `gapMs` (a catch-up after
 * a night offline brings many at once).
 */
import type { Message } from '@pigeon/sync-protocol';

export interface ChimeContext {
  meId: string | null;
  /** The chat open in this window, if any. */
  openChatId: string | null;
  /** The window is visible and has focus. */
  focused: boolean;
  muted: boolean;
  /** ms: when the app started listening; older messages are history. */
  since: number;
  now: number;
  /** ms of the last sound played, or null. */
  lastPlayedAt: number | null;
  gapMs: number;
}

/** How long before `since` a message still counts as new (a device clock a little ahead of the server's). */
export const CLOCK_SLACK_MS = 60_000;

export function isNewForSound(message: Pick<Message, 'senderId' | 'type' | 'createdAt' | 'deletedAt' | 'hiddenAt'>, meId: string | null, since: number): boolean {
  if (message.senderId === meId || message.type === 'system' || message.deletedAt || message.hiddenAt) return false;
  const at = Date.parse(message.createdAt);
  return Number.isFinite(at) && at >= since - CLOCK_SLACK_MS;
}

export function shouldChime(message: Pick<Message, 'conversationId'>, c: ChimeContext): boolean {
  if (c.muted) return false;
  if (c.focused && c.openChatId === message.conversationId) return false;
  return gapOver(c);
}

/**
 * Whether a sound may play now as far as the gap goes. Asked first, before anything costs: a catch-up
 * brings thousands of messages within one gap, and none of them can play.
 */
export function gapOver(c: Pick<ChimeContext, 'lastPlayedAt' | 'now' | 'gapMs'>): boolean {
  return c.lastPlayedAt === null || c.now - c.lastPlayedAt >= c.gapMs;
}
