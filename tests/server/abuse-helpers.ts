/**
 * Helpers of the abuse-limit suites (issue #13): requests "from" an address (the test
 * servers run with TRUST_PROXY, so X-Forwarded-For decides the client address on
 * loopback), percentiles, and the production limits a suite switches back on.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/src/index.ts';
import { io } from 'socket.io-client';
import type { ClientSocket, HttpResult } from './helpers.ts';

/** A random documentation-range address (198.18.0.0/15), so suites never share a counter. */
export const randomAddress = (): string => `198.${18 + (randomBytes(1)[0]! & 1)}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

export interface AuthResult extends HttpResult {
  /** The Retry-After header, when there is one. */
  retryAfter: string | null;
}

async function post(url: string, path: string, json: unknown, address?: string): Promise<AuthResult> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(address ? { 'x-forwarded-for': address } : {}) },
    body: JSON.stringify(json),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
}

/** POST /api/auth/login "from" `address` (X-Forwarded-For; the server must trust the proxy). */
export const login = (url: string, username: string, password: string, address?: string): Promise<AuthResult> =>
  post(url, '/api/auth/login', { username, password }, address);

/** POST /api/auth/register "from" `address`. */
export const registerFrom = (url: string, username: string, password: string, address?: string): Promise<AuthResult> =>
  post(url, '/api/auth/register', { username, password }, address);

/** The value at quantile q (0..1) of the samples. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** The socket limits as in production (the test helpers' defaults switch them off). */
export const PRODUCTION_SOCKET_LIMITS = {
  socketEventLimit: DEFAULT_CONFIG.socketEventLimit,
  userEventLimit: DEFAULT_CONFIG.userEventLimit,
  maxSocketsPerUser: DEFAULT_CONFIG.maxSocketsPerUser,
  socketBufferMaxBytes: DEFAULT_CONFIG.socketBufferMaxBytes,
} satisfies Partial<ServerConfig>;

/** A socket "from" `address` (X-Forwarded-For on the handshake), or the handshake's error. Closed by `sockets.closeAll()`. */
export function socketsFrom(): {
  open(url: string, token: string, address: string): Promise<ClientSocket>;
  refusal(url: string, token: string, address: string): Promise<Error>;
  closeAll(): void;
} {
  const opened: ClientSocket[] = [];
  const start = (url: string, token: string, address: string) => {
    const socket: ClientSocket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { 'x-forwarded-for': address } });
    opened.push(socket);
    return socket;
  };
  return {
    open: (url, token, address) =>
      new Promise((resolve, reject) => {
        const socket = start(url, token, address);
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      }),
    refusal: (url, token, address) =>
      new Promise((resolve, reject) => {
        const socket = start(url, token, address);
        socket.once('connect', () => reject(new Error('handshake unexpectedly accepted')));
        socket.once('connect_error', resolve);
      }),
    closeAll() {
      for (const s of opened.splice(0)) s.close();
    },
  };
}
