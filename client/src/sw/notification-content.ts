/**
 * What a push becomes on screen (pure: the service worker shows it). One notification per chat
 * (`tag` = conversationId): a second message while the first is still shown replaces it with
 * "N new messages" and alerts again (`renotify`); the count rides in the notification's data.
 */
import type { PushPayload } from '@pigeon/sync-protocol';
import { NOTIFICATION_TEXTS, type NotificationTexts } from './notification-text.ts';

export const ICON = '/icons/icon-192.png';
/** Android draws the badge as a mask in the status bar; the app has no monochrome icon yet, so the small favicon is used. */
export const BADGE = '/icons/favicon-32.png';

/** The notification's data: what notificationclick needs, and the count of messages it stands for. */
export interface NotificationData {
  conversationId: string;
  messageId: string;
  count: number;
}

export interface NotificationPlan {
  title: string;
  options: {
    body: string;
    tag: string;
    renotify: boolean;
    icon: string;
    badge: string;
    timestamp?: number;
    data: NotificationData;
  };
}

const EN = NOTIFICATION_TEXTS.en;

/** "📷 Photo", "📷 3 photos", "📎 File", "📎 2 files" (both when a message carries both); null for none. */
export function attachmentsText(photos: number, files: number, texts: NotificationTexts = EN): string | null {
  const parts: string[] = [];
  if (photos > 0) parts.push(`📷 ${texts.photos(photos)}`);
  if (files > 0) parts.push(`📎 ${texts.files(files)}`);
  return parts.length > 0 ? parts.join(', ') : null;
}

/**
 * The message as one line: its text; without text, what it carries; and with neither, "New
 * message" (the subscription's preview is off: the server sent no text).
 */
export function messageLine(payload: Pick<PushPayload, 'text' | 'photos' | 'files'>, texts: NotificationTexts = EN): string {
  const text = payload.text?.trim();
  if (text) return text;
  return attachmentsText(payload.photos, payload.files, texts) ?? texts.newMessage;
}

/** The data of a notification already shown for the chat, if it is one of ours. */
export function readData(data: unknown): NotificationData | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.conversationId !== 'string' || typeof d.messageId !== 'string') return null;
  const count = typeof d.count === 'number' && Number.isInteger(d.count) && d.count > 0 ? d.count : 1;
  return { conversationId: d.conversationId, messageId: d.messageId, count };
}

/**
 * The notification for `payload`, given the one already shown for its chat (its data, or null), in
 * the user's language (`texts`: sw/locale.ts decides which).
 * The same message delivered twice (a push service retry) keeps the count.
 */
export function planNotification(payload: PushPayload, shown: NotificationData | null, texts: NotificationTexts = EN): NotificationPlan {
  const group = payload.groupTitle !== null;
  const title = group ? payload.groupTitle! || texts.group : payload.sender.displayName;
  const repeat = shown !== null && shown.messageId === payload.messageId;
  const count = shown === null ? 1 : repeat ? shown.count : shown.count + 1;
  const line = messageLine(payload, texts);
  const body = count > 1 ? texts.newMessages(count) : group ? `${payload.sender.displayName}: ${line}` : line;
  const sentAt = Date.parse(payload.sentAt);
  return {
    title,
    options: {
      body,
      tag: payload.conversationId,
      // A replacement is silent unless renotify is set: a new message should alert again, a retry not.
      renotify: shown !== null && !repeat,
      icon: ICON,
      badge: BADGE,
      ...(Number.isFinite(sentAt) ? { timestamp: sentAt } : {}),
      data: { conversationId: payload.conversationId, messageId: payload.messageId, count },
    },
  };
}
