/**
 * The messages between the service worker and the app's pages (pwa/sw-messages.ts answers).
 *
 * A window's URL as the worker sees it (`Client.url`) is where the document was created: Chrome
 * does not follow the hash changes the app navigates by, so the worker asks each window which
 * chat it shows (WHICH_CHAT, answered on a MessageChannel) and falls back to the URL when a window
 * does not answer in time (frozen, still loading).
 */
export const OPEN_CHAT = 'pigeon:open-chat';
export const WHICH_CHAT = 'pigeon:which-chat';
export const SHOWN_CHAT = 'pigeon:shown-chat';

export interface OpenChatMessage {
  type: typeof OPEN_CHAT;
  conversationId: string;
}

export interface ShownChatMessage {
  type: typeof SHOWN_CHAT;
  /** The chat the window shows; null: the list, the Devices view, the sign-in screen. */
  conversationId: string | null;
}

const record = (data: unknown): Record<string, unknown> | null => (typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null);

export function isOpenChatMessage(data: unknown): data is OpenChatMessage {
  const d = record(data);
  return d?.type === OPEN_CHAT && typeof d.conversationId === 'string' && d.conversationId.length > 0;
}

export function isWhichChatMessage(data: unknown): boolean {
  return record(data)?.type === WHICH_CHAT;
}

export function isShownChatMessage(data: unknown): data is ShownChatMessage {
  const d = record(data);
  return d?.type === SHOWN_CHAT && (d.conversationId === null || typeof d.conversationId === 'string');
}
