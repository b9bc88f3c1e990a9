/**
 * Shared fixtures for the server integration suites: a real server on an
 * ephemeral loopback port, real fetch, real socket.io-client. Every suite runs
 * once per store (SQLite always; MongoDB when the global setup provides a URI).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type { AuthResponse, Message, User } from '@pigeon/sync-protocol';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/src/index.ts';
import { TEST_SERVER_OPTIONS } from '../setup/test-server-options.ts';
import { trackSockets, type ClientSocket } from './sockets.ts';

export * from './sockets.ts';

export interface StoreVariant {
  kind: 'sqlite' | 'mongodb';
  mongoUri?: string;
}

const mongoUri = inject('mongoUri');
// undefined (not null) means this file runs outside the "server" project and its global setup.
if (mongoUri === undefined) throw new Error('tests/server needs the global setup of the vitest project "server" (vitest.config.ts)');

/** SQLite always; MongoDB only when the global setup started one (or MONGODB_URI was given). */
export const STORE_VARIANTS: StoreVariant[] = [{ kind: 'sqlite' }, ...(mongoUri ? [{ kind: 'mongodb' as const, mongoUri }] : [])];

/** Why the MongoDB runs are missing, for a visible `describe.skip`; null when they run. */
export const MONGO_SKIP_REASON = mongoUri ? null : 'no MongoDB: the global setup provided mongoUri = null';

/** Makes a missing MongoDB run visible in the report instead of silently absent. */
export function noteMongoSkip(suite: string): void {
  if (MONGO_SKIP_REASON === null) return;
  describe(`${suite} on mongodb`, () => {
    it.skip(`skipped: ${MONGO_SKIP_REASON}`, () => {});
  });
}

export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  /** Stops this server (graceful) and starts a new one on the same data. */
  restart(extra?: StartServerOptions): Promise<TestServer>;
  /** Another node on the same data (same SQLite file or Mongo database); the caller closes it. */
  startPeer(extra?: StartServerOptions): Promise<RunningServer>;
  /** Graceful stop, then removes the data (and the Mongo database). */
  dispose(): Promise<void>;
}

interface Shared {
  dataDir: string;
  mongoDbName: string | undefined;
  /** Suites share one redis-server, each with its own store: each data set is its own cluster there (store identity). */
  clusterStoreKey: string;
}

export async function startTestServer(variant: StoreVariant, extra: StartServerOptions = {}, shared?: Shared): Promise<TestServer> {
  const data: Shared = shared ?? {
    dataDir: await mkdtemp(join(tmpdir(), 'pigeon-server-test-')),
    mongoDbName: variant.kind === 'mongodb' ? `pigeon_test_${randomBytes(6).toString('hex')}` : undefined,
    clusterStoreKey: `pigeon:test:${randomBytes(6).toString('hex')}:store-identity`,
  };
  const options = (more: StartServerOptions): StartServerOptions => ({
    port: 0,
    host: '127.0.0.1',
    dataDir: data.dataDir,
    mongodbUri: variant.mongoUri ?? null,
    mongoDbName: data.mongoDbName ?? null,
    clusterStoreKey: data.clusterStoreKey,
    jwtSecret: TEST_JWT_SECRET,
    sendRateLimit: 0,
    searchRateLimit: 0,
    logLevel: 'silent',
    ...TEST_SERVER_OPTIONS,
    ...more,
  });
  const server = await startServer(options(extra));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  return {
    server,
    url: server.url,
    dataDir: data.dataDir,
    startPeer(more = {}) {
      return startServer(options({ ...extra, ...more }));
    },
    async restart(more = {}) {
      await stop();
      return startTestServer(variant, { ...extra, ...more }, data);
    },
    async dispose() {
      await stop();
      await rm(data.dataDir, { recursive: true, force: true });
      if (variant.mongoUri && data.mongoDbName) await dropMongoDb(variant.mongoUri, data.mongoDbName);
    },
  };
}


/** One suite's server; read its members inside tests and hooks only (it starts in `beforeAll`). */
export interface ServerFixture {
  readonly server: RunningServer;
  readonly url: string;
  /** A connected socket to this server (or to `node`, e.g. a peer), closed after the suite. */
  open(token: string, node?: { url: string }): Promise<ClientSocket>;
  /** Another node on the same data, closed after the suite's sockets and before the server. */
  startPeer(extra?: StartServerOptions): Promise<RunningServer>;
}

/**
 * Registers the hooks of a suite that shares one server: `beforeAll` starts it,
 * `afterAll` closes the sockets opened through `open`, then the peers, then disposes it.
 */
export function useTestServer(variant: StoreVariant, extra: StartServerOptions = {}): ServerFixture {
  let t: TestServer | undefined;
  const sockets = trackSockets();
  const peers: RunningServer[] = [];
  const running = (): TestServer => {
    if (!t) throw new Error('useTestServer: the server is not running (read it inside a test or hook)');
    return t;
  };
  beforeAll(async () => {
    t = await startTestServer(variant, extra);
  });
  afterAll(async () => {
    sockets.closeAll();
    for (const peer of peers.splice(0)) await peer.close();
    await t?.dispose();
  });
  return {
    get server() {
      return running().server;
    },
    get url() {
      return running().url;
    },
    open(token, node = running()) {
      return sockets.open(node.url, token);
    },
    async startPeer(more) {
      const peer = await running().startPeer(more);
      peers.push(peer);
      return peer;
    },
  };
}

async function dropMongoDb(uri: string, name: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** fetch + JSON; never throws on an error status. */
export async function http<T = any>(
  url: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. static files): keep the text
  }
  return { status: res.status, body: parsed as T };
}

let nameCounter = 0;
/**
 * A username no other test of this run has: the process, a counter and 16 random bits, in base 36
 * so that it stays short. Test files share a process (the server project does not isolate them),
 * so the counter reaches the thousands, and a prefix plus suffix must stay within the 32
 * characters a username may have: the suffix is at most 13 characters below 46,656 names.
 */
export const uniqueName = (prefix = 'u') =>
  `${prefix}${process.pid.toString(36)}_${(++nameCounter).toString(36)}${randomBytes(2).toString('hex')}`;
export const newClientId = () => randomUUID();

export interface TestUser extends AuthResponse {
  id: string;
  password: string;
}

export async function register(url: string, prefix = 'u', displayName?: string): Promise<TestUser> {
  const username = uniqueName(prefix);
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const res = await http<AuthResponse>(url, '/api/auth/register', { json: { username, password, displayName } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, id: res.body.user.id, password };
}


/** Polls until `check` returns true; fails with `what` after `timeoutMs`. No timing assertion: only a bound. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sendOverRest = (url: string, token: string, to: string, body: string, clientId = newClientId()) =>
  http<{ message: Message }>(url, '/api/messages', { token, json: { clientId, to, body } });

/** Every message of a conversation, following history cursors. */
export async function fullHistory(url: string, token: string, withUser: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: string | null = null;
  do {
    const q: string = `/api/messages/conversation?with=${withUser}&limit=200${before ? `&before=${before}` : ''}`;
    const res: HttpResult<{ messages: Message[]; nextCursor: string | null }> = await http(url, q, { token });
    if (res.status !== 200) throw new Error(`history failed: ${res.status} ${JSON.stringify(res.body)}`);
    all.unshift(...res.body.messages);
    before = res.body.nextCursor;
  } while (before);
  return all;
}

/** Every change visible to a user through /api/sync, following the cursor to the end (`omit`: the extension parameter). */
export async function syncAll(url: string, token: string, since = '', omit?: 'own-delivered'): Promise<{ messages: Message[]; cursor: string }> {
  const messages: Message[] = [];
  let cursor = since;
  for (;;) {
    const res = await http<{ messages: Message[]; cursor: string; hasMore: boolean }>(
      url,
      `/api/sync?since=${encodeURIComponent(cursor)}&limit=1000${omit ? `&omit=${omit}` : ''}`,
      { token },
    );
    if (res.status !== 200) throw new Error(`sync failed: ${res.status} ${JSON.stringify(res.body)}`);
    messages.push(...res.body.messages);
    cursor = res.body.cursor;
    if (!res.body.hasMore) return { messages, cursor };
  }
}

export type { Message, User };
