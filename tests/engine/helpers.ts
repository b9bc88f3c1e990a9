/**
 * Shared fixtures of the engine integration tests: the real server on loopback
 * with a temporary SQLite DATA_DIR, engines on fake-indexeddb (one IDBFactory per
 * device, so devices share nothing), a deadline-based `waitFor`, a seeded random.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createSyncEngine, type LocalMessage, type SyncEngine, type SyncEngineOptions } from '@pigeon/sync-protocol/engine';
import type { Message } from '@pigeon/sync-protocol';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/src/index.ts';

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  /** Closes the server (crash-like unless graceful) and starts a new one on the same DATA_DIR and port. */
  restart(options?: Partial<StartServerOptions> & { graceful?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<StartServerOptions> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pigeon-engine-'));
  const base: StartServerOptions = { port: 0, dataDir, logLevel: 'silent', sendRateLimit: 0, jwtSecret: 'engine-tests-secret-0123456789', ...options };
  const t: TestServer = {
    server: await startServer(base),
    url: '',
    dataDir,
    async restart({ graceful = false, ...more } = {}) {
      await (graceful ? t.server.close() : t.server.kill());
      t.server = await startServer({ ...base, port: t.server.port, ...more });
    },
    async stop() {
      await t.server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  t.url = t.server.url;
  return t;
}

/** Options that make retries and reconnects quick on loopback. */
export function fastOptions(url: string): SyncEngineOptions {
  return {
    serverUrl: url,
    IDBKeyRange,
    locks: null,
    ackTimeoutMs: 1_500,
    retryBaseMs: 20,
    retryMaxMs: 400,
    restFallbackAfterMs: 400,
    reconnectionDelayMs: 50,
    reconnectionDelayMaxMs: 250,
    transports: ['websocket'],
    leaseRenewMs: 150,
    leaseTtlMs: 600,
    pollIntervalMs: 2_000,
  };
}

export interface Device {
  engine: SyncEngine;
  factory: IDBFactory;
  dbName: string;
  /** A new engine on the same storage (a reload, or a second tab when the first is still open). */
  reopen(extra?: Partial<SyncEngineOptions>): SyncEngine;
}

let deviceCounter = 0;

export function makeDevice(url: string, extra: Partial<SyncEngineOptions> = {}): Device {
  const factory = new IDBFactory();
  const dbName = `device-${++deviceCounter}`;
  const make = (more: Partial<SyncEngineOptions> = {}) => createSyncEngine({ ...fastOptions(url), indexedDB: factory, dbName, ...extra, ...more });
  const device: Device = {
    engine: make(),
    factory,
    dbName,
    reopen: (more) => make(more),
  };
  return device;
}

export const uniqueName = (prefix: string) => `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32);

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `describe()`). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 25, describe }: { timeoutMs?: number; intervalMs?: number; describe?: () => unknown | Promise<unknown> } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = describe ? await describe() : lastError;
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms: ${typeof detail === 'string' ? detail : JSON.stringify(detail, null, 1)?.slice(0, 4000)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** mulberry32: a tiny seeded PRNG, so a failing random run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The comparable part of a message, as both the server and the devices hold it. */
export const view = (m: LocalMessage | Message) => ({ id: m.id, seq: m.seq, clientId: m.clientId, senderId: m.senderId, body: m.body, status: m.status });

/** The server's whole conversation, oldest → newest. */
export async function serverHistory(server: RunningServer, conversationId: string): Promise<Message[]> {
  return server.store.getHistory(conversationId, null, 100_000);
}
