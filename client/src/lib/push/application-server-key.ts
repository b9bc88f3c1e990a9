import { fromBase64Url } from '../base64url.ts';

/**
 * The server's VAPID public key (base64url, as GET /api/push/config gives it) as
 * `PushManager.subscribe` takes it: the 65-byte uncompressed P-256 point (0x04, x, y). null for
 * anything else, so a broken config is reported instead of a browser's opaque DOMException.
 */
export function applicationServerKey(vapidPublicKey: string): Uint8Array<ArrayBuffer> | null {
  const bytes = fromBase64Url(vapidPublicKey.replace(/=+$/, ''));
  if (!bytes || bytes.length !== 65 || bytes[0] !== 0x04) return null;
  return new Uint8Array(bytes);
}
