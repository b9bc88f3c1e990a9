import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

/**
 * Security headers on every response (Hono's maintained secure-headers middleware).
 *
 * The token lives in IndexedDB, where any script running on the origin can read it, so
 * the Content-Security-Policy is the second line of defence against injected script:
 * only the origin's own files run (no inline script, no eval), the app talks only to its
 * own origin (REST and the Socket.io WebSocket: 'self' covers ws:/wss: of the same host
 * in CSP 3), and no other site may frame it (clickjacking). The built PWA has no inline
 * script or style (checked by the e2e suite, which fails on any `securitypolicyviolation`).
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  // data: and blob: for images the app builds itself (avatars, previews of files being sent).
  imgSrc: ["'self'", 'data:', 'blob:'],
  mediaSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  workerSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export interface SecurityHeaderOptions {
  /** TRUST_PROXY: believe X-Forwarded-Proto, so HSTS is sent when the proxy terminated https. */
  trustProxy: boolean;
}

/** max-age one year: browsers then refuse plain http for the host (only ever sent over https). */
const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders({ trustProxy }: SecurityHeaderOptions): MiddlewareHandler {
  const common: SecureHeadersOptions = {
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    // The API answers other origins through CORS (tools, the dev server); CORP would only get in the way.
    crossOriginResourcePolicy: false,
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [], usb: [] },
  };
  const overHttp = secureHeaders({ ...common, strictTransportSecurity: false });
  const overHttps = secureHeaders({ ...common, strictTransportSecurity: HSTS });
  return async function securityHeaders(c, next) {
    // HSTS over plain http is ignored by browsers at best and pins a dev host to https at worst.
    const https = trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
    // A route that set a policy of its own keeps it: an attachment download's `sandbox` CSP
    // (http/attachment-download.ts) is stricter than the app's, and must not be replaced by it.
    let own: string | null = null;
    await (https ? overHttps : overHttp)(c, async () => {
      await next();
      own = c.res.headers.get('content-security-policy');
    });
    if (own !== null) c.res.headers.set('content-security-policy', own);
  };
}
