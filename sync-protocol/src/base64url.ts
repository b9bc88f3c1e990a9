/**
 * base64url without padding (RFC 4648 §5): safe in a query string and inside a
 * clientId. btoa/atob exist in browsers and in Node, so no Buffer is needed.
 */

/** `data`: bytes, or a string whose characters are all below U+0100 (ASCII text is). */
export function toBase64Url(data: string | Uint8Array): string {
  const binary = typeof data === 'string' ? data : String.fromCharCode(...data);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The binary string `toBase64Url` was given; throws on characters outside the alphabet. */
export function fromBase64Url(text: string): string {
  return atob(text.replace(/-/g, '+').replace(/_/g, '/'));
}
