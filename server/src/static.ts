import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * Serves the built PWA (client/dist) at `/` through @hono/node-server's maintained
 * `serveStatic`, with `precompressed: true`: the build writes `x.br` and `x.gz` beside
 * every text file (client/build/precompress.ts), and a request whose Accept-Encoding
 * lists `br` (else `gzip`) gets those bytes with `Content-Encoding`; nothing is
 * compressed per request. Any other GET that looks like an app route gets index.html
 * (SPA fallback). Never answers /api or /socket.io. Cache policy:
 *  - index.html, sw.js, registerSW.js, *.webmanifest: `no-cache` — an old copy
 *    would pin users to an old build (the classic "PWA stuck on old version");
 *  - Vite's content-hashed files (assets/*, name-<hash>.js): cached for a year, immutable;
 *  - anything else (icons…): one hour.
 * Every file answer carries `Vary: Accept-Encoding` (a shared cache must not hand brotli to a
 * client that did not ask for it, nor identity to one that did) and a weak ETag of the bytes
 * actually sent (each encoding its own), answered with 304 on a match.
 */
const NO_CACHE_FILES = new Set(['index.html', 'sw.js', 'registerSW.js', 'service-worker.js']);
const HASHED_NAME = /[.-][A-Za-z0-9_-]{8,}\.(?:js|mjs|css|woff2?|png|svg|jpg|webp)$/;

export function cacheControlFor(relPath: string): string {
  const name = relPath.split('/').at(-1) ?? '';
  if (NO_CACHE_FILES.has(name) || name.endsWith('.webmanifest')) return 'no-cache';
  if (relPath.startsWith('assets/') || HASHED_NAME.test(name)) return 'public, max-age=31536000, immutable';
  return 'public, max-age=3600';
}

/** Paths the static handler must never answer. */
export function isReservedPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/socket.io' || path.startsWith('/socket.io/');
}

/** URL path → a relative file path inside the dist folder, or null for anything escaping it. */
export function toRelativeFile(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = normalize(decoded).replace(/^[/\\]+/, '');
  if (rel.split(/[/\\]/).includes('..')) return null;
  return rel === '' || rel.endsWith(sep) || rel.endsWith('/') ? join(rel, 'index.html') : rel;
}

/** An app route (no file extension) falls back to index.html; a missing /assets/x.js stays a 404. */
function isAppRoute(rel: string): boolean {
  return extname(rel) === '' || rel.endsWith('index.html');
}

export function serveClient(distDir: string): MiddlewareHandler {
  // serveStatic reports the file it sent (the .br/.gz variant when it picked one) through onFound.
  const sent = new WeakMap<Context, string>();
  const onFound = (path: string, c: Context) => void sent.set(c, path);
  // Made at the first request: serveStatic complains on the console when its root is missing, which every
  // server started without a built client (most tests) would print; the dist may also be built after the start.
  let handlers: { files: MiddlewareHandler; index: MiddlewareHandler } | null = null;
  const made = () =>
    (handlers ??= {
      files: serveStatic({ root: distDir, precompressed: true, onFound }),
      index: serveStatic({ root: distDir, path: 'index.html', precompressed: true, onFound }),
    });

  return async function serveClient(c, next) {
    const method = c.req.method;
    if ((method !== 'GET' && method !== 'HEAD') || isReservedPath(c.req.path)) return next();
    // serveStatic refuses `..` segments and encoded paths itself; this decides the fallback and the cache policy.
    const rel = toRelativeFile(c.req.path);
    if (rel === null) return next();
    let missing = false;
    const notFound = async () => void (missing = true);
    let relSent = rel.split(sep).join('/');
    const { files, index } = made();
    let res = await files(c, notFound);
    if (missing) {
      if (!isAppRoute(rel)) return next();
      missing = false;
      relSent = 'index.html';
      res = await index(c, notFound);
      if (missing) return next();
    }
    const file = sent.get(c);
    if (!(res instanceof Response) || file === undefined) return next();
    return finish(c, res, file, relSent);
  };
}

/** Adds the cache policy, Vary and ETag to serveStatic's answer; a matching If-None-Match becomes a 304. */
async function finish(c: Context, res: Response, file: string, relPath: string): Promise<Response> {
  const info = await stat(file);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = new Headers(res.headers);
  headers.set('cache-control', cacheControlFor(relPath));
  headers.set('etag', etag);
  if (!headers.get('vary')?.toLowerCase().includes('accept-encoding')) headers.append('vary', 'Accept-Encoding');
  if (c.req.header('if-none-match') === etag) {
    await res.body?.cancel();
    headers.delete('content-length');
    return new Response(null, { status: 304, headers });
  }
  return new Response(res.body, { status: res.status, headers });
}
