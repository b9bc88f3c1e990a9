/**
 * Engines on one in-memory server (@pigeon/sync-protocol/testing), the in-process twin
 * of tests/engine/helpers.ts: same options, same devices (one IDBFactory each, so
 * devices share nothing), no network. Engines a file makes are closed after it.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import type { Message } from '../../model/message.ts';
import type { User } from '../../model/user.ts';
import { createMemoryServer, type MemoryServer, type MemoryServerOptions } from '../../testing/index.ts';
import type { LocalMessage, SyncEngine, SyncEngineOptions } from '../api.ts';
import { createSyncEngine } from '../index.ts';

export const PASSWORD = 'password-123';

/** The comparable part of a message, as both the server and the devices hold it. */
export const view = (m: LocalMessage | Message) => ({ id: m.id, seq: m.seq, clientId: m.clientId, senderId: m.senderId, body: m.body, status: m.status });

/** Quick retries and leases, as tests/engine/helpers.ts `fastOptions`. */
export const fastOptions: Partial<SyncEngineOptions> = {
  IDBKeyRange,
  locks: null,
  ackTimeoutMs: 1_500,
  retryBaseMs: 20,
  retryMaxMs: 400,
  restFallbackAfterMs: 400,
  leaseRenewMs: 150,
  leaseTtlMs: 600,
  pollIntervalMs: 2_000,
};

export interface Device {
  engine: SyncEngine;
  factory: IDBFactory;
  dbName: string;
  /** A new engine on the same storage (a reload, or a second tab while the first is open). */
  reopen(extra?: Partial<SyncEngineOptions>): SyncEngine;
}

export interface Pair {
  alice: Device;
  bob: Device;
  a: User;
  b: User;
  conversationId: string;
}

export interface MemoryFixture {
  server: MemoryServer;
  /** A new device on the server; `extra.transport` replaces its transport (e.g. with an interceptor). */
  device(extra?: Partial<SyncEngineOptions>): Device;
  /** Closes `engine` after the file's tests (for engines made by `reopen`). */
  track(engine: SyncEngine): SyncEngine;
  /** Two new users, alice and bob, each signed up on a device of their own. */
  pair(extra?: { alice?: Partial<SyncEngineOptions>; bob?: Partial<SyncEngineOptions> }): Promise<Pair>;
  /** A username no test of the file used yet. */
  uniqueName(prefix: string): string;
}

/** Two new users, alice and bob, each signed up on a new device of their own (shared with tests/engine/helpers.ts). */
export async function signUpPair(
  device: (extra?: Partial<SyncEngineOptions>) => Device,
  uniqueName: (prefix: string) => string,
  extra: { alice?: Partial<SyncEngineOptions>; bob?: Partial<SyncEngineOptions> } = {},
): Promise<Pair> {
  const alice = device(extra.alice);
  const bob = device(extra.bob);
  const a = await alice.engine.signUp(uniqueName('alice'), PASSWORD);
  const b = await bob.engine.signUp(uniqueName('bob'), PASSWORD);
  return { alice, bob, a, b, conversationId: directConversationId(a.id, b.id) };
}

export function memoryFixture(options: MemoryServerOptions = {}): MemoryFixture {
  const server = createMemoryServer(options);
  const engines: SyncEngine[] = [];
  let devices = 0;
  let names = 0;
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    server.close();
  });
  const fixture: MemoryFixture = {
    server,
    device(extra = {}) {
      const factory = new IDBFactory();
      const dbName = `device-${++devices}`;
      const make = (more: Partial<SyncEngineOptions> = {}) =>
        fixture.track(createSyncEngine({ serverUrl: '', transport: server.transport(), ...fastOptions, indexedDB: factory, dbName, ...extra, ...more }));
      return { engine: make(), factory, dbName, reopen: make };
    },
    track(engine) {
      engines.push(engine);
      return engine;
    },
    pair: (extra = {}) => signUpPair(fixture.device, fixture.uniqueName, extra),
    uniqueName: (prefix) => `${prefix}${++names}`,
  };
  return fixture;
}
