import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../base64url.ts';
import { applicationServerKey } from './application-server-key.ts';
import { readPreview, writePreview } from './preview-setting.ts';
import { canToggle, pushStatus } from './status.ts';
import { subscriptionInput } from './subscription-input.ts';
import { isIosDevice, pushSupport, type PushEnvironment } from './support.ts';

const p256Public = () => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).subarray(-65));

describe('applicationServerKey', () => {
  it('decodes a VAPID public key (65-byte uncompressed point), padded or not', () => {
    const raw = p256Public();
    const key = toBase64Url(raw);
    expect(applicationServerKey(key)).toEqual(raw);
    expect(applicationServerKey(`${key}=`)).toEqual(raw);
  });
  it('refuses anything else', () => {
    expect(applicationServerKey('')).toBeNull();
    expect(applicationServerKey('not base64url!')).toBeNull();
    expect(applicationServerKey(toBase64Url(randomBytes(32)))).toBeNull();
    const compressed = p256Public();
    compressed[0] = 0x02;
    expect(applicationServerKey(toBase64Url(compressed))).toBeNull();
  });
});

describe('subscriptionInput', () => {
  const json = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: toBase64Url(p256Public()), auth: toBase64Url(randomBytes(16)) } };
  it('is the browser subscription plus the preview flag', () => {
    expect(subscriptionInput(json, false)).toEqual({ ...json, preview: false });
    expect(subscriptionInput(json, true)?.preview).toBe(true);
  });
  it('is null for an incomplete subscription', () => {
    expect(subscriptionInput({ endpoint: json.endpoint }, true)).toBeNull();
    expect(subscriptionInput({ ...json, keys: { p256dh: json.keys.p256dh } }, true)).toBeNull();
  });
});

describe('pushSupport', () => {
  const full: PushEnvironment = { secureContext: true, serviceWorker: true, pushManager: true, notification: true, ios: false, standalone: false };
  it('needs a secure context, a service worker, PushManager and Notification', () => {
    expect(pushSupport(full)).toBe('supported');
    expect(pushSupport({ ...full, secureContext: false })).toBe('unsupported');
    expect(pushSupport({ ...full, pushManager: false })).toBe('unsupported');
  });
  it('tells iPhone users in a tab to install first', () => {
    const iosTab = { ...full, pushManager: false, notification: false, ios: true };
    expect(pushSupport(iosTab)).toBe('install-first');
    expect(pushSupport({ ...iosTab, standalone: true })).toBe('unsupported'); // installed but iOS < 16.4
    expect(pushSupport({ ...full, ios: true, standalone: true })).toBe('supported');
  });
  it('recognises iPhone and iPadOS (a Mac with touch)', () => {
    expect(isIosDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', 5)).toBe(true);
    expect(isIosDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 5)).toBe(true);
    expect(isIosDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 0)).toBe(false);
    expect(isIosDevice('Mozilla/5.0 (Linux; Android 14)', 5)).toBe(false);
  });
});

describe('pushStatus and canToggle', () => {
  it('is on only with a subscription and granted permission', () => {
    expect(pushStatus('supported', 'granted', true)).toBe('on');
    expect(pushStatus('supported', 'granted', false)).toBe('off');
    expect(pushStatus('supported', 'default', true)).toBe('off');
    expect(pushStatus('supported', 'denied', true)).toBe('denied');
    expect(pushStatus('install-first', 'default', false)).toBe('install-first');
  });
  it('turns on only online; off works offline; never while busy or blocked', () => {
    expect(canToggle('off', true, false)).toBe(true);
    expect(canToggle('off', false, false)).toBe(false);
    expect(canToggle('on', false, false)).toBe(true);
    expect(canToggle('on', true, true)).toBe(false);
    expect(canToggle('denied', true, false)).toBe(false);
    expect(canToggle('unsupported', true, false)).toBe(false);
  });
});

describe('preview setting', () => {
  it('defaults to on and remembers off', () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    expect(readPreview(storage)).toBe(true);
    writePreview(storage, false);
    expect(readPreview(storage)).toBe(false);
    writePreview(storage, true);
    expect(readPreview(storage)).toBe(true);
    expect(readPreview(null)).toBe(true);
  });
});
