/**
 * What the notification settings show (pure): the state of this device and the sentence that
 * explains it. "On" is the browser's truth: a push subscription exists and permission is granted.
 */
import type { PushSupport } from './support.ts';

export type PushStatus = 'unsupported' | 'install-first' | 'denied' | 'off' | 'on';

export function pushStatus(support: PushSupport, permission: NotificationPermission, subscribed: boolean): PushStatus {
  if (support !== 'supported') return support;
  if (permission === 'denied') return 'denied';
  return subscribed && permission === 'granted' ? 'on' : 'off';
}

export const PUSH_TEXT = {
  unsupported: "This browser can't show notifications from Pigeon while it is closed.",
  'install-first': 'To get notifications on iPhone or iPad, install Pigeon: tap Share, then "Add to Home Screen", and open Pigeon from there.',
  denied: 'Notifications are blocked for Pigeon in this browser. Allow them in the site settings (the icon beside the address), then come back here.',
  off: "You won't be notified of new messages while Pigeon is closed.",
  on: 'New messages show a notification on this device, also when Pigeon is closed. Muted chats stay silent.',
  offline: "You're offline. Turning notifications on or changing the preview needs a connection.",
  dismissed: 'Notifications were not allowed. Turn the switch on again to be asked once more.',
} as const;

/** The explanation under the switches; `offline` adds itself where a change needs the server. */
export function pushExplanation(status: PushStatus): string {
  return PUSH_TEXT[status];
}

/** Whether the main switch can be used now: turning on needs the server, turning off works offline (the browser drops the subscription). */
export function canToggle(status: PushStatus, online: boolean, busy: boolean): boolean {
  if (busy || status === 'unsupported' || status === 'install-first' || status === 'denied') return false;
  return status === 'on' || online;
}
