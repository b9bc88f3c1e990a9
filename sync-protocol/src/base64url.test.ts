import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from './base64url.ts';

describe('base64url', () => {
  it('uses - and _ instead of + and /, drops the padding, and round-trips bytes and ASCII text', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0x00, 0x10]);
    expect(toBase64Url(bytes)).toBe('-_-_ABA');
    expect(fromBase64Url(toBase64Url(bytes))).toBe(String.fromCharCode(...bytes));
    expect(fromBase64Url(toBase64Url('v1.s.42'))).toBe('v1.s.42');
  });
});
