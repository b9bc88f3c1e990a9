/**
 * What the notification settings show (pure): the state of this device and the sentence that
 * explains it. "On" is the browser's truth: a push subscription exists and permission is granted.
 */
import { t } from '../../i18n/index.ts';
import type { PushSupport } from './support.ts';

export type PushStatus = 'unsupported' | 'install-first' | 'denied' | 'off' | 'on';

export function pushStatus(support: PushSupport, permission: NotificationPermission, subscribed: boolean): PushStatus {
  if (support !== 'supported') return support;
  if (permission === 'denied') return 'denied';
  return subscribed && permission === 'granted' ? 'on' : 'off';
}

const TEXT_KEYS = ['unsupported', 'install-first', 'denied', 'off', 'on', 'offline', 'dismissed'] as const;

/** The sentences, in the UI's language at the moment they are read (locales/<lang>/push.json). */
export const PUSH_TEXT = Object.defineProperties(
  {},
  Object.fromEntries(TEXT_KEYS.map((key) => [key, { enumerable: true, get: () => t(`push.${key}`) }])),
) as Record<(typeof TEXT_KEYS)[number], string>;

/** The explanation under the switches; `offline` adds itself where a change needs the server. */
export function pushExplanation(status: PushStatus): string {
  return PUSH_TEXT[status];
}

/** Whether the main switch can be used now: turning on needs the server, turning off works offline (the browser drops the subscription). */
export function canToggle(status: PushStatus, online: boolean, busy: boolean): boolean {
  if (busy || status === 'unsupported' || status === 'install-first' || status === 'denied') return false;
  return status === 'on' || online;
}
