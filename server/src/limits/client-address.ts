import { isIP } from 'node:net';

/**
 * The key a client's requests are limited under. Without TRUST_PROXY it is the
 * TCP peer's address; X-Forwarded-For is ignored, because any client can send
 * one. With TRUST_PROXY (the server sits behind one reverse proxy that appends
 * the address it saw), it is the LAST entry of X-Forwarded-For: the proxy's own
 * observation. Earlier entries were written by the client and are not trusted.
 *
 * IPv4-mapped IPv6 becomes plain IPv4, and IPv6 addresses are cut to their /64:
 * one host usually holds a whole /64, so per-address limits would otherwise be
 * per-process of anyone with IPv6.
 */
export function clientAddress(remote: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor !== undefined) {
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
    const last = header.split(',').at(-1)?.trim();
    if (last && isIP(stripZone(last))) return normalize(last);
  }
  return remote ? normalize(remote) : 'unknown';
}

function stripZone(address: string): string {
  const zone = address.indexOf('%');
  return zone === -1 ? address : address.slice(0, zone);
}

function normalize(raw: string): string {
  const address = stripZone(raw.toLowerCase());
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, "::" expanded (an embedded IPv4 tail counts as two). */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').flatMap((h) => (h.includes('.') ? ipv4ToHextets(h) : [h])));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((h) => h.replace(/^0+(?=.)/, ''));
}

function ipv4ToHextets(v4: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
