/**
 * Which push endpoints the server will call (PUSH_ALLOWED_HOSTS): the guard against server-side
 * request forgery through a crafted subscription. A subscription's endpoint is a URL the client
 * chooses, and the server POSTs to it; without this check a user could make the server call
 * 169.254.169.254, an intranet host or a port of localhost.
 *
 * A rule is `host`, `host:port` or `*.suffix` (any subdomain of suffix, not suffix itself). An
 * endpoint passes when it is `https:`, carries no user info, has no trailing dot, its host equals a
 * rule's host or ends with `.suffix` of a wildcard rule, and its port is the default one unless the
 * rule names that port. IP literals (IPv4 in any notation the URL parser accepts, IPv6) pass only
 * through an exact rule, never a wildcard. Pure: no DNS, no I/O.
 */
import { isIPv4 } from 'node:net';
import { parse as legacyParse } from 'node:url';

/** The public browser push services (Chrome/Edge via FCM, Firefox, Safari, Windows). */
export const DEFAULT_PUSH_ALLOWED_HOSTS: readonly string[] = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.push.apple.com', '*.notify.windows.com'];

export interface HostRule {
  /** Lower case, as the URL parser normalizes it (IPv6 in brackets); for a wildcard, the suffix. */
  host: string;
  wildcard: boolean;
  /** The port as URL.port gives it: '' for 443. */
  port: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const RULE = /^(\*\.)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/** PUSH_ALLOWED_HOSTS (comma-separated, or a list) → rules; the first bad entry is the error. */
export function parseAllowedHosts(raw: string | readonly string[]): Checked<HostRule[]> {
  const entries = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, reason: 'PUSH_ALLOWED_HOSTS lists no host' };
  const rules: HostRule[] = [];
  for (const entry of entries) {
    const m = RULE.exec(entry);
    if (!m) return { ok: false, reason: `PUSH_ALLOWED_HOSTS: "${entry}" is not host, host:port or *.suffix` };
    const wildcard = m[1] !== undefined;
    let url: URL;
    try {
      url = new URL(`https://${m[2]}${m[3] !== undefined ? `:${m[3]}` : ''}/`);
    } catch {
      return { ok: false, reason: `PUSH_ALLOWED_HOSTS: "${entry}" is not a valid host` };
    }
    if (url.hostname.endsWith('.') || url.hostname.startsWith('.')) return { ok: false, reason: `PUSH_ALLOWED_HOSTS: "${entry}" has a leading or trailing dot` };
    if (wildcard && isIpLiteral(url.hostname)) return { ok: false, reason: `PUSH_ALLOWED_HOSTS: "${entry}": a wildcard needs a domain name` };
    if (wildcard && !url.hostname.includes('.')) return { ok: false, reason: `PUSH_ALLOWED_HOSTS: "${entry}": a wildcard needs at least two labels` };
    rules.push({ host: url.hostname, wildcard, port: url.port });
  }
  return { ok: true, value: rules };
}

/**
 * Whether the server may POST to `endpoint`; when it may, the URL to call (the parser's own
 * serialization, so the HTTP client cannot read the string differently from this check).
 */
export function checkPushEndpoint(endpoint: string, rules: readonly HostRule[]): Checked<string> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'must be https' };
  if (url.username !== '' || url.password !== '' || authorityOf(endpoint).includes('@')) return { ok: false, reason: 'must not carry user info' };
  if (url.hostname.endsWith('.')) return { ok: false, reason: 'host must not end with a dot' };
  const ip = isIpLiteral(url.hostname);
  const rule = rules.find((r) => r.port === url.port && (r.wildcard ? !ip && url.hostname.endsWith(`.${r.host}`) : r.host === url.hostname));
  if (!rule) return { ok: false, reason: `host ${url.host} is not an allowed push service` };
  // web-push parses with the legacy url.parse; it must see the same host and port as this check did.
  const legacy = legacyParse(url.href);
  if (legacy.hostname !== stripBrackets(url.hostname) || (legacy.port ?? '') !== url.port) return { ok: false, reason: 'ambiguous URL' };
  return { ok: true, value: url.href };
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || isIPv4(hostname);
}

const stripBrackets = (h: string) => (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);

/** The raw authority of an absolute URL string: what lies between `//` and the next `/`, `\`, `?` or `#`. */
function authorityOf(raw: string): string {
  const start = raw.indexOf('//');
  if (start < 0) return '';
  const rest = raw.slice(start + 2);
  const end = rest.search(/[/\\?#]/);
  return end < 0 ? rest : rest.slice(0, end);
}
