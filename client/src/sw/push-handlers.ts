/**
 * The worker's `push` and `notificationclick` handlers. The decisions are pure (windows.ts,
 * notification-content.ts, route.ts); this module only reads the browser's state and acts.
 */
import { pushPayloadSchema } from '../../../sync-protocol/src/model/notifications.ts';
import { OPEN_CHAT, type OpenChatMessage } from './messages.ts';
import { planNotification, readData } from './notification-content.ts';
import { NOTIFICATION_TEXTS } from './notification-text.ts';
import { workerLocale } from './locale.ts';
import { chatUrl, conversationIdOf } from './route.ts';
import type { NotificationEvent, PushEvent, ServiceWorkerScope, WindowClient } from './sw-types.ts';
import { snapshotWindows } from './window-snapshots.ts';
import { chatIsInFront, windowForChat } from './windows.ts';

const windowsOf = (sw: ServiceWorkerScope) => sw.clients.matchAll({ type: 'window', includeUncontrolled: true });

export async function onPush(sw: ServiceWorkerScope, event: PushEvent): Promise<void> {
  let json: unknown;
  try {
    json = event.data?.json();
  } catch {
    json = undefined;
  }
  const parsed = pushPayloadSchema.safeParse(json);
  if (!parsed.success) {
    // Not a payload of this version (or not ours): nothing sensible to show.
    console.warn('[sw] push ignored: not a Pigeon message payload');
    return;
  }
  const payload = parsed.data;
  const windows = await snapshotWindows(await windowsOf(sw));
  if (chatIsInFront(windows, payload.conversationId)) {
    console.debug('[sw] push for the chat in front: no notification', JSON.stringify(windows));
    return;
  }
  const shown = await sw.registration.getNotifications({ tag: payload.conversationId });
  const previous = shown.map((n) => readData(n.data)).find((d) => d !== null) ?? null;
  const locale = await workerLocale(sw.caches, sw.navigator?.languages ?? []);
  const { title, options } = planNotification(payload, previous, NOTIFICATION_TEXTS[locale]);
  // renotify and timestamp are in the Notifications spec, not yet in TypeScript's DOM types.
  await sw.registration.showNotification(title, options as NotificationOptions);
}

export async function onNotificationClick(sw: ServiceWorkerScope, event: NotificationEvent): Promise<void> {
  event.notification.close();
  const data = readData(event.notification.data);
  if (!data) return;
  const { conversationId } = data;
  // The chat's notifications are answered by opening it (one per chat with tags; older ones too).
  for (const n of await sw.registration.getNotifications({ tag: conversationId })) n.close();

  const windows = await windowsOf(sw);
  // Read before focus() is awaited, but only the URLs and states: asking the windows which chat
  // they show would spend the click's permission to focus.
  const snapshots = windows.map((w) => ({ conversationId: conversationIdOf(w.url), visibilityState: w.visibilityState, focused: w.focused }));
  const index = windowForChat(snapshots, conversationId);
  if (index === -1) {
    await sw.clients.openWindow(chatUrl(sw.registration.scope, conversationId));
    return;
  }
  const target = windows[index]!;
  // focus() is allowed only while handling the click: first, before anything slow.
  const focused = await target.focus().catch(() => target);
  // Sent even when the URL says it is there already: Client.url does not follow hash changes.
  openChatIn(focused, conversationId);
}

/**
 * The page switches chats itself (pwa/sw-messages.ts sets the hash: no reload, drafts kept). A
 * window this worker does not control yet still gets the message; navigate() is not used since
 * it only works on controlled windows and would reload the app.
 */
function openChatIn(client: WindowClient, conversationId: string): void {
  const message: OpenChatMessage = { type: OPEN_CHAT, conversationId };
  client.postMessage(message);
}
