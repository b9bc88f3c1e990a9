import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { MiddlewareHandler } from 'hono';

/**
 * Serves the built PWA (client/dist) at `/`: static files, and index.html for
 * any other GET that looks like an app route (SPA fallback). Never answers
 * /api or /socket.io. Cache policy:
 *  - index.html, sw.js, registerSW.js, *.webmanifest: `no-cache` — an old copy
 *    would pin users to an old build (the classic "PWA stuck on old version");
 *  - Vite's content-hashed files (assets/*, name-<hash>.js): cached for a year, immutable;
 *  - anything else (icons…): one hour.
 */
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

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

export function serveClient(distDir: string): MiddlewareHandler {
  async function fileResponse(relPath: string, ifNoneMatch: string | undefined, head: boolean): Promise<Response | null> {
    const file = join(distDir, relPath);
    let info;
    try {
      info = await stat(file);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers = {
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': cacheControlFor(relPath.split(sep).join('/')),
      etag,
    };
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers });
    const body = head ? null : await readFile(file);
    return new Response(body, { status: 200, headers: { ...headers, 'content-length': String(info.size) } });
  }

  return async function serveClient(c, next) {
    const method = c.req.method;
    if ((method !== 'GET' && method !== 'HEAD') || isReservedPath(c.req.path)) return next();
    const rel = toRelativeFile(c.req.path);
    if (rel === null) return next();
    const head = method === 'HEAD';
    const inm = c.req.header('if-none-match');
    const direct = await fileResponse(rel, inm, head);
    if (direct) return direct;
    // SPA fallback: an app route like /chat/42 has no file; a missing /assets/x.js must stay a 404.
    if (extname(rel) !== '' && !rel.endsWith('index.html')) return next();
    const index = await fileResponse('index.html', inm, head);
    return index ?? next();
  };
}
