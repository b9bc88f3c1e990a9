import { computed, onMounted, ref, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { applicationServerKey } from '../lib/push/application-server-key.ts';
import { readPreview, writePreview } from '../lib/push/preview-setting.ts';
import { canToggle, pushExplanation, pushStatus, PUSH_TEXT, type PushStatus } from '../lib/push/status.ts';
import { subscriptionInput } from '../lib/push/subscription-input.ts';
import { isIosDevice, pushSupport, type PushSupport } from '../lib/push/support.ts';
import { useEngineState } from './useEngineState.ts';

/**
 * Web Push on this device (the settings in the Devices view):
 *
 *   enable (a tap on the switch: permission is never asked for on load)
 *     Notification.requestPermission() → pushManager.subscribe({ userVisibleOnly, VAPID key
 *     from engine.push.config() }) → engine.push.subscribe({ ...sub.toJSON(), preview })
 *   disable: engine.push.unsubscribe(endpoint) (best effort) + sub.unsubscribe() — the browser
 *     side alone already stops the notifications: the push service answers 410 and the server
 *     drops the endpoint.
 *   preview: re-posts the subscription with the new flag.
 *
 * The truth for "on" is the browser's: a subscription exists and permission is granted.
 */
export interface PushSubscriptionControls {
  status: Readonly<Ref<PushStatus>>;
  /** The sentence under the switches. */
  explanation: Readonly<Ref<string>>;
  preview: Readonly<Ref<boolean>>;
  busy: Readonly<Ref<boolean>>;
  online: Readonly<Ref<boolean>>;
  canToggle: Readonly<Ref<boolean>>;
  /** The last change that failed, as a sentence; null otherwise. */
  error: Readonly<Ref<string | null>>;
  setEnabled(enabled: boolean): Promise<void>;
  setPreview(preview: boolean): Promise<void>;
}

const storage = (): Storage | null => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
};

export function detectPushSupport(): PushSupport {
  return pushSupport({
    secureContext: window.isSecureContext,
    serviceWorker: 'serviceWorker' in navigator,
    pushManager: 'PushManager' in window,
    notification: 'Notification' in window,
    ios: isIosDevice(navigator.userAgent, navigator.maxTouchPoints ?? 0),
    standalone: window.matchMedia?.('(display-mode: standalone)').matches === true || (navigator as { standalone?: boolean }).standalone === true,
  });
}

/** The app's service worker registration, or null (not registered: a dev server, or blocked). */
async function registration(): Promise<ServiceWorkerRegistration | null> {
  const found = await navigator.serviceWorker.getRegistration();
  if (!found) return null;
  // An installing first worker: pushManager needs an active one.
  return found.active ? found : navigator.serviceWorker.ready;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const reg = await registration();
  return reg ? reg.pushManager.getSubscription() : null;
}

const sameKey = (a: ArrayBuffer | null | undefined, b: Uint8Array) => !!a && a.byteLength === b.length && new Uint8Array(a).every((x, i) => x === b[i]);

/** Posts the browser subscription to the server for the signed-in user (again: updates `preview`). */
async function postSubscription(sub: PushSubscription, preview: boolean): Promise<void> {
  const input = subscriptionInput(sub.toJSON(), preview);
  if (!input) throw new Error(t('devices.notifications.incomplete'));
  await engine.push.subscribe(input);
}

/**
 * Stops push on this device for the account signing out: the server forgets the endpoint (best
 * effort, within `timeoutMs`: the token is still valid now, not after) and the browser drops the
 * subscription, so the next account on this device gets none of this one's notifications.
 * For useSignOut.ts, before engine.signOut().
 */
export async function unsubscribeThisDevice(timeoutMs = 2_000): Promise<void> {
  if (detectPushSupport() !== 'supported') return;
  const sub = await currentSubscription().catch(() => null);
  if (!sub) return;
  await Promise.race([engine.push.unsubscribe(sub.endpoint).catch(() => {}), new Promise((r) => setTimeout(r, timeoutMs))]);
  await sub.unsubscribe().catch(() => false);
}

export function usePushSubscription(): PushSubscriptionControls {
  const support = detectPushSupport();
  const permission = ref<NotificationPermission>(support === 'supported' ? Notification.permission : 'default');
  const subscribed = ref(false);
  const preview = ref(readPreview(storage()));
  const busy = ref(false);
  const error = ref<string | null>(null);
  const state = useEngineState();
  const online = computed(() => state.value.connection === 'online');
  const status = computed(() => pushStatus(support, permission.value, subscribed.value));

  async function refresh(): Promise<void> {
    if (support !== 'supported') return;
    permission.value = Notification.permission;
    const sub = await currentSubscription();
    subscribed.value = sub !== null && permission.value === 'granted';
    // Keep the server in step with the browser (another account signed in here since, a lost
    // POST): the server answers 200 for an endpoint it has. Quiet: the switch shows the truth.
    if (sub && subscribed.value && online.value) await postSubscription(sub, preview.value).catch(() => {});
  }

  async function enable(): Promise<void> {
    // First, while the tap's user activation lasts (Safari asks only then).
    const answer = await Notification.requestPermission();
    permission.value = answer;
    if (answer !== 'granted') {
      if (answer === 'default') error.value = PUSH_TEXT.dismissed;
      return;
    }
    const reg = await registration();
    if (!reg) throw new Error(t('devices.notifications.notInstalled'));
    const { vapidPublicKey } = await engine.push.config();
    const key = applicationServerKey(vapidPublicKey);
    if (!key) throw new Error(t('devices.notifications.badKey'));
    let sub = await reg.pushManager.getSubscription();
    // A subscription made for another server key (the server's keys changed) cannot be reused.
    if (sub && !sameKey(sub.options.applicationServerKey, key)) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }).catch((e: unknown) => {
      // The browser could not register with its push service (no connection to it, a browser
      // build without one, a policy): its DOMException text means nothing to a user.
      console.warn('[push] subscribe failed', e);
      throw new Error(t('devices.notifications.unreachable'));
    });
    try {
      await postSubscription(sub, preview.value);
    } catch (e) {
      // The server does not know it: a subscription it would never use is not "on".
      await sub.unsubscribe().catch(() => false);
      throw e;
    }
    subscribed.value = true;
  }

  async function disable(): Promise<void> {
    const sub = await currentSubscription();
    if (sub) {
      // Offline or refused: the browser side below is what stops the notifications anyway.
      await engine.push.unsubscribe(sub.endpoint).catch((e) => console.warn('[push] server unsubscribe failed', e));
      await sub.unsubscribe();
    }
    subscribed.value = false;
  }

  async function run(action: () => Promise<void>): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      await action();
    } catch (e) {
      error.value = describeError(e, t('devices.notifications.changeFailed'));
      await refresh().catch(() => {});
    } finally {
      busy.value = false;
    }
  }

  async function setPreview(next: boolean): Promise<void> {
    const before = preview.value;
    preview.value = next;
    await run(async () => {
      const sub = subscribed.value ? await currentSubscription() : null;
      try {
        if (sub) await postSubscription(sub, next);
        writePreview(storage(), next);
      } catch (e) {
        preview.value = before;
        throw e;
      }
    });
  }

  onMounted(() => {
    refresh().catch((e) => console.warn('[push] state unavailable', e));
  });

  return {
    status,
    explanation: computed(() => pushExplanation(status.value)),
    preview,
    busy,
    online,
    canToggle: computed(() => canToggle(status.value, online.value, busy.value)),
    error,
    setEnabled: (enabled) => run(enabled ? enable : disable),
    setPreview,
  };
}
