import { describe, expect, it } from 'vitest';
import { checkPushEndpoint, DEFAULT_PUSH_ALLOWED_HOSTS, parseAllowedHosts, type HostRule } from './allowed-hosts.ts';

function rules(raw: string | readonly string[]): HostRule[] {
  const parsed = parseAllowedHosts(raw);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

const defaults = rules(DEFAULT_PUSH_ALLOWED_HOSTS);
const allowed = (endpoint: string, r = defaults) => checkPushEndpoint(endpoint, r).ok;

describe('parseAllowedHosts', () => {
  it('reads hosts, host:port and *.suffix, lower-cased, 443 as the default port', () => {
    expect(rules(' FCM.googleapis.com , *.push.apple.com,127.0.0.1:8443, example.org:443')).toEqual([
      { host: 'fcm.googleapis.com', wildcard: false, port: '' },
      { host: 'push.apple.com', wildcard: true, port: '' },
      { host: '127.0.0.1', wildcard: false, port: '8443' },
      { host: 'example.org', wildcard: false, port: '' },
    ]);
  });

  it('refuses an empty list, paths, schemes, wildcard IPs or TLDs, trailing dots, bad ports', () => {
    for (const bad of ['', ' , ', 'https://a.com', 'a.com/x', '*.1.2.3', '*.com', 'a.com.', 'a.com:99999', '*', 'a b.com', 'user@a.com']) {
      expect(parseAllowedHosts(bad).ok, bad).toBe(false);
    }
  });
});

describe('checkPushEndpoint', () => {
  it('accepts the public push services’ endpoints and answers the URL to call', () => {
    expect(checkPushEndpoint('https://fcm.googleapis.com/fcm/send/dX:APA91b-x_y', defaults)).toEqual({ ok: true, value: 'https://fcm.googleapis.com/fcm/send/dX:APA91b-x_y' });
    expect(allowed('https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk')).toBe(true);
    expect(allowed('https://web.push.apple.com/QGx')).toBe(true);
    expect(allowed('https://wns2-par02p.notify.windows.com/w/?token=BQYAAA%2b%2f%3d')).toBe(true);
  });

  it('an upper-case host is the same host; the default port may be written out', () => {
    expect(checkPushEndpoint('https://FCM.GoogleAPIs.com:443/x', defaults)).toEqual({ ok: true, value: 'https://fcm.googleapis.com/x' });
  });

  it('refuses anything but https', () => {
    for (const e of ['http://fcm.googleapis.com/x', 'ftp://fcm.googleapis.com/x', 'wss://fcm.googleapis.com/x', 'file:///etc/passwd', 'not a url', '']) expect(allowed(e), e).toBe(false);
  });

  it('refuses hosts not listed: metadata services, look-alikes, the bare wildcard suffix', () => {
    for (const e of [
      'https://169.254.169.254/latest/meta-data/',
      'https://metadata.google.internal/',
      'https://fcm.googleapis.com.evil.com/',
      'https://evilfcm.googleapis.com/',
      'https://fcm.googleapis.com%2eevil.com/',
      'https://push.apple.com/x',
      'https://push.apple.com.evil.com/x',
      'https://localhost/',
    ]) expect(allowed(e), e).toBe(false);
  });

  it('refuses user info, which could hide the real host from a careless reader', () => {
    for (const e of ['https://user@fcm.googleapis.com/', 'https://user:pw@fcm.googleapis.com/', 'https://@fcm.googleapis.com/', 'https://fcm.googleapis.com@evil.com/', 'https://evil.com\\@fcm.googleapis.com/']) {
      expect(allowed(e), e).toBe(false);
    }
  });

  it('a backslash is a path separator to both parsers: the call goes to the allowed host', () => {
    expect(checkPushEndpoint('https://fcm.googleapis.com\\@evil.com/', defaults)).toEqual({ ok: true, value: 'https://fcm.googleapis.com/@evil.com/' });
  });

  it('refuses a trailing dot and any port not listed', () => {
    expect(allowed('https://fcm.googleapis.com./x')).toBe(false);
    expect(allowed('https://fcm.googleapis.com:8443/x')).toBe(false);
    expect(allowed('https://web.push.apple.com:444/x')).toBe(false);
  });

  it('IP literals in any notation pass only when that address and port are listed, never through a wildcard', () => {
    for (const e of ['https://2130706433/', 'https://0x7f.1/', 'https://127.0.0.1/', 'https://[::1]/', 'https://[::ffff:169.254.169.254]/', 'https://017700000001/']) expect(allowed(e), e).toBe(false);
    const local = rules('127.0.0.1:8443');
    expect(checkPushEndpoint('https://127.0.0.1:8443/p/1', local)).toEqual({ ok: true, value: 'https://127.0.0.1:8443/p/1' });
    // Another notation of the listed address is that address (and is called by its canonical form).
    expect(checkPushEndpoint('https://2130706433:8443/p', local)).toEqual({ ok: true, value: 'https://127.0.0.1:8443/p' });
    expect(allowed('https://127.0.0.1/p', local)).toBe(false);
    expect(allowed('https://127.0.0.2:8443/p', local)).toBe(false);
    expect(allowed('https://[::1]:8443/p', local)).toBe(false);
    expect(allowed('https://[::1]:8443/p', rules('[::1]:8443'))).toBe(true);
  });
});
