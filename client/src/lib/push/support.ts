/**
 * Whether this browser can receive Web Push, from a plain description of it (pure; the
 * composable reads the real one). Safari on iPhone/iPad has push only for an app installed to
 * the Home Screen (iOS 16.4+): in a tab it lacks PushManager, and the answer is to install.
 */
export interface PushEnvironment {
  secureContext: boolean;
  serviceWorker: boolean;
  pushManager: boolean;
  notification: boolean;
  /** iPhone/iPad (iPadOS reports itself as a Mac with touch). */
  ios: boolean;
  /** Running as an installed app (display-mode standalone). */
  standalone: boolean;
}

export type PushSupport = 'supported' | 'install-first' | 'unsupported';

export function pushSupport(env: PushEnvironment): PushSupport {
  if (env.secureContext && env.serviceWorker && env.pushManager && env.notification) return 'supported';
  if (env.ios && !env.standalone) return 'install-first';
  return 'unsupported';
}

export function isIosDevice(userAgent: string, maxTouchPoints: number): boolean {
  return /\b(iPhone|iPad|iPod)\b/.test(userAgent) || (/\bMacintosh\b/.test(userAgent) && maxTouchPoints > 1);
}
