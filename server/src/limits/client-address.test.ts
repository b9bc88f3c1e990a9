import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.ts';

describe('clientAddress', () => {
  it('is the TCP peer; X-Forwarded-For counts only with TRUST_PROXY, and then only its last entry', () => {
    expect(clientAddress('10.0.0.5', '1.2.3.4', false)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', '6.6.6.6, 1.2.3.4', true)).toBe('1.2.3.4');
    expect(clientAddress('10.0.0.5', ['6.6.6.6', '1.2.3.4'], true)).toBe('1.2.3.4');
    // A proxy that sent garbage: fall back to the peer rather than trust it.
    expect(clientAddress('10.0.0.5', 'not-an-ip', true)).toBe('10.0.0.5');
    expect(clientAddress(undefined, undefined, false)).toBe('unknown');
  });

  it('IPv4-mapped IPv6 is IPv4; IPv6 is keyed by its /64', () => {
    expect(clientAddress('::ffff:127.0.0.1', undefined, false)).toBe('127.0.0.1');
    expect(clientAddress('2001:db8:0:1::42', undefined, false)).toBe('2001:db8:0:1::/64');
    expect(clientAddress('2001:DB8:0:1:aaaa:bbbb:cccc:dddd', undefined, false)).toBe('2001:db8:0:1::/64');
    expect(clientAddress('::1', undefined, false)).toBe('0:0:0:0::/64');
    expect(clientAddress('fe80::1%eth0', undefined, false)).toBe('fe80:0:0:0::/64');
  });
});
