/**
 * Shared fixtures of the engine integration tests: the real server on loopback
 * with a temporary SQLite DATA_DIR, engines on fake-indexeddb (one IDBFactory per
 * device, so devices share nothing), a deadline-based `waitFor`. Scenarios that need no real
 * server run in-process on @pigeon/sync-protocol/testing (sync-protocol/src/engine/scenarios).
 * (Seeded randomness: tests/chaos/rng.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from '@pigeon/sync-protocol/engine';
import { waitFor } from '@pigeon/sync-protocol/testing';
import { directConversationId, type Message, type User } from '@pigeon/sync-protocol';
import { fastOptions as memoryFastOptions, signUpPair, type Device } from '../../sync-protocol/src/engine/scenarios/fixture.ts';
export { view, type Device } from '../../sync-protocol/src/engine/scenarios/fixture.ts';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/src/index.ts';
import { TEST_SERVER_OPTIONS } from '../setup/test-server-options.ts';

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
  const base: StartServerOptions = { port: 0, dataDir, logLevel: 'silent', sendRateLimit: 0, jwtSecret: 'engine-tests-secret-0123456789', ...TEST_SERVER_OPTIONS, ...options };
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

/** The in-process scenarios' quick retries and leases, plus quick reconnects over loopback. */
export function fastOptions(url: string): SyncEngineOptions {
  return {
    ...memoryFastOptions,
    serverUrl: url,
    reconnectionDelayMs: 50,
    reconnectionDelayMaxMs: 250,
    transports: ['websocket'],
  };
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

/** The deadline-based poll of the engine test kit, shared with the in-process scenarios. */
export { waitFor };


/** The server's whole conversation, oldest → newest. */
export async function serverHistory(server: RunningServer, conversationId: string): Promise<Message[]> {
  return server.store.getHistory(conversationId, null, 100_000);
}

export interface ServerFixture {
  /** The running server (set in beforeAll). */
  readonly t: TestServer;
  /** A new device on this server, closed after the file's tests. */
  device(extra?: Partial<SyncEngineOptions>): Device;
  /** Closes `engine` after the file's tests (for engines made by `reopen`). */
  track(engine: SyncEngine): SyncEngine;
  /** Two new users, alice and bob, each signed up on a device of their own. */
  pair(extra?: { alice?: Partial<SyncEngineOptions>; bob?: Partial<SyncEngineOptions> }): Promise<Pair>;
}

export interface Pair {
  alice: Device;
  bob: Device;
  a: User;
  b: User;
  /** Their conversation's id. */
  conversationId: string;
}

/**
 * Starts a server for the test file (beforeAll) and stops it, after closing every
 * engine the file made, at the end (afterAll).
 */
export function useServer(options: Partial<StartServerOptions> = {}): ServerFixture {
  let server: TestServer | undefined;
  const engines: SyncEngine[] = [];
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await server?.stop();
  });
  const fixture: ServerFixture = {
    get t() {
      if (!server) throw new Error('useServer: the server is not started yet (use it inside a test)');
      return server;
    },
    device(extra) {
      const d = makeDevice(fixture.t.url, extra);
      engines.push(d.engine);
      return d;
    },
    track(engine) {
      engines.push(engine);
      return engine;
    },
    pair: (extra = {}) => signUpPair(fixture.device, uniqueName, extra),
  };
  return fixture;
}

export const PASSWORD = 'password-123';

/**
 * Alice, and Bob on two devices: `bobOnline`, and `bobAway` (with `awayOptions`), signed in,
 * synced once and then taken offline, so that what happens next reaches it only by a catch-up.
 */
export async function pairWithAwayDevice(env: ServerFixture, awayOptions: Partial<SyncEngineOptions>) {
  const bobName = uniqueName('bob');
  const alice = env.device();
  const bobOnline = env.device();
  const bobAway = env.device(awayOptions);
  const a = await alice.engine.signUp(uniqueName('alice'), PASSWORD);
  const b = await bobOnline.engine.signUp(bobName, PASSWORD);
  await bobAway.engine.signIn(bobName, PASSWORD);
  await waitFor(async () => (await bobAway.engine.getState().lastSyncAt) !== null);
  bobAway.engine.setNetworkEnabled(false);
  return { alice, bobOnline, bobAway, a, b, conversationId: directConversationId(a.id, b.id) };
}
