/** What the service worker posts to a page (and the page's listener reads: pwa/sw-messages.ts). */
export const OPEN_CHAT = 'pigeon:open-chat';

export interface OpenChatMessage {
  type: typeof OPEN_CHAT;
  conversationId: string;
}

export function isOpenChatMessage(data: unknown): data is OpenChatMessage {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return d.type === OPEN_CHAT && typeof d.conversationId === 'string' && d.conversationId.length > 0;
}
