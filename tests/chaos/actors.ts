/**
 * A device: one sync engine on its own fake IndexedDB, reaching the server
 * through its own fault proxy. It watches what it shows (through the engine's
 * liveQuery-friendly `queries`) so a status that moves backwards, a seq that
 * changes or a message that disappears is caught when it happens, not only at
 * the end.
 */
import Dexie, { liveQuery } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createSyncEngine } from '@pigeon/sync-protocol/engine';
import type { LocalMessage, SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import type { History } from './history.ts';
import { rank, type DeviceSnapshot, type Observation, type ObservationKind } from './invariants.ts';
import type { FaultProxy } from './proxy.ts';

/**
 * Dexie runs a liveQuery only when its global `indexedDB` dependency is set. In a
 * browser that is window.indexedDB; in Node it is null and every liveQuery silently
 * never emits. The devices pass their own factory explicitly, so the global is set
 * to a tripwire: truthy for liveQuery, but throwing if anything opens a database
 * without its own factory (which would make devices share storage unnoticed).
 */
if (!Dexie.dependencies.indexedDB) {
  const tripwire = () => {
    throw new Error('chaos: a Dexie database was opened without options.indexedDB');
  };
  Dexie.dependencies.indexedDB = { open: tripwire, deleteDatabase: tripwire, databases: tripwire, cmp: tripwire } as unknown as IDBFactory;
}

export interface Account {
  index: number;
  username: string;
  password: string;
  /** Known once the first device signed up. */
  id: string;
}

interface Seen {
  /** The furthest status ever shown, and its rank: a later, lower one is a regression. */
  maxRank: number;
  maxStatus: string;
  /** The status shown last (for the history line of the next change). */
  status: string;
  seq: number | null;
  /** A regression is reported once, not on every re-query while it lasts. */
  regressed: boolean;
}

/** Far more than a run holds: the observers want whole conversations, not the newest page. */
const ALL = 1_000_000;

export interface DeviceOptions {
  name: string;
  account: Account;
  proxy: FaultProxy;
  history: History;
  observations: Observation[];
  /** Every conversation of the world, including the ones this user is not in (to catch leaks). */
  conversationIds: () => string[];
  ackTimeoutMs?: number;
  /**
   * Its IndexedDB database name, unique in the process: Dexie tells every live query on a
   * database *name* about writes to it, so two runs side by side must not share names.
   */
  dbName: string;
}

export class Device {
  readonly name: string;
  readonly account: Account;
  readonly proxy: FaultProxy;
  /** One IndexedDB per device, kept across reloads like a browser profile. */
  readonly idb = new IDBFactory();
  private engine: SyncEngine | null = null;
  private subscriptions: (() => void)[] = [];
  private readonly seen = new Map<string, Map<string, Seen>>();
  private lastConnection = '';
  /** The engine's network switch, re-applied after a reload as a browser's onLine state would be. */
  private networkEnabled = true;
  reloads = 0;

  constructor(private readonly options: DeviceOptions) {
    this.name = options.name;
    this.account = options.account;
    this.proxy = options.proxy;
  }

  get dbName(): string {
    return this.options.dbName;
  }

  isOpen(): boolean {
    return this.engine !== null;
  }

  private get e(): SyncEngine {
    if (!this.engine) throw new Error(`${this.name}: engine is closed`);
    return this.engine;
  }

  observe(kind: ObservationKind, detail: string, key?: string): void {
    const h = this.options.history;
    this.options.observations.push({ device: this.name, kind, key, detail, t: h.now(), op: h.currentOp });
    h.add('VIOLATION?', `${this.name} ${kind} ${key ?? ''} ${detail}`);
  }

  /** mode: how the device gets its session — a new account, a second device, or a reload. */
  async open(mode: 'sign-up' | 'sign-in' | 'resume'): Promise<void> {
    if (this.engine) return;
    const engine = createSyncEngine({
      serverUrl: `http://127.0.0.1:${this.proxy.port}`,
      dbName: this.dbName,
      indexedDB: this.idb as unknown as globalThis.IDBFactory,
      IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange,
      locks: null,
      ...(this.options.ackTimeoutMs ? { ackTimeoutMs: this.options.ackTimeoutMs } : {}),
    });
    this.engine = engine;
    this.wire(engine);
    const { username, password } = this.account;
    if (mode === 'sign-up') {
      const user = await engine.signUp(username, password);
      this.account.id = user.id;
    } else if (mode === 'sign-in') {
      await engine.signIn(username, password);
    } else {
      const user = await engine.resume();
      if (!user) this.observe('resume-failed', 'resume() returned null after a reload: the stored session was lost');
      else if (user.id !== this.account.id) this.observe('resume-failed', `resume() returned user ${user.id}, expected ${this.account.id}`);
    }
    if (!this.networkEnabled) engine.setNetworkEnabled(false);
    this.watch(engine);
  }

  private wire(engine: SyncEngine): void {
    const h = this.options.history;
    const me = () => this.account.id;
    this.subscriptions.push(
      engine.on('state', (s) => {
        if (s.connection !== this.lastConnection) {
          this.lastConnection = s.connection;
          h.add('conn', `${this.name} ${s.connection} outbox=${s.outboxSize}`);
        }
      }),
      engine.on('error', (e) => {
        const text = e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : String(e.error);
        h.add('engine-error', `${this.name} ${e.where} ${text}`);
        this.observe('engine-error', `${e.where}: ${text}`);
      }),
      engine.on('signed-out', (e) => this.observe('signed-out', `engine signed out (reason ${e.reason})`)),
      engine.on('message', (m) => {
        h.add('applied', `${this.name} ${m.senderId}:${m.clientId} seq=${m.seq} ${m.status}`);
        if (m.senderId !== me() && m.recipientId !== me()) {
          this.observe('foreign-message', `received ${m.conversationId} message ${m.id}`, `${m.senderId}:${m.clientId}`);
        }
      }),
    );
  }

  /** One live query per conversation; each result is compared with what was shown before. */
  private watch(engine: SyncEngine): void {
    for (const conversationId of this.options.conversationIds()) {
      const sub = liveQuery(() => engine.queries.messages(conversationId, ALL)).subscribe({
        next: (list) => this.compare(conversationId, list),
        error: (err: unknown) => {
          // A closed database during reload is expected; anything else is worth a line.
          if (this.engine === engine) this.options.history.add('query-error', `${this.name} ${conversationId} ${String(err)}`);
        },
      });
      this.subscriptions.push(() => sub.unsubscribe());
    }
  }

  private compare(conversationId: string, list: LocalMessage[]): void {
    let seen = this.seen.get(conversationId);
    if (!seen) this.seen.set(conversationId, (seen = new Map()));
    const present = new Set<string>();
    for (const m of list) {
      present.add(m.key);
      const prev = seen.get(m.key);
      const r = rank(m.status);
      let regressed = false;
      if (prev) {
        // 'failed' ranks with 'pending'; a failed send that later succeeds moves forward.
        // A seq dropping back to null shows up as a status regression (acked → pending).
        regressed = r < prev.maxRank;
        if (regressed && !prev.regressed) this.observe('status-backwards', `${prev.maxStatus} → ${m.status}`, m.key);
        if (prev.seq !== null && m.seq !== null && m.seq !== prev.seq) this.observe('seq-changed', `seq ${prev.seq} → ${m.seq}`, m.key);
        if (prev.status !== m.status) this.options.history.add('status', `${this.name} ${m.key} ${prev.status} → ${m.status}`);
      }
      const forward = !prev || r >= prev.maxRank;
      seen.set(m.key, {
        maxRank: forward ? r : prev.maxRank,
        maxStatus: forward ? m.status : prev.maxStatus,
        status: m.status,
        seq: m.seq ?? prev?.seq ?? null,
        regressed,
      });
    }
    for (const [key, prev] of seen) {
      if (!present.has(key)) {
        this.observe('vanished', `was shown (${prev.status}, seq ${prev.seq}) and is gone from ${conversationId}`, key);
        seen.delete(key);
      }
    }
  }

  async close(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    this.engine = null;
    await engine.close();
  }

  /** A page reload: the engine goes away with whatever it had in memory; IndexedDB stays. */
  async reload(): Promise<void> {
    this.reloads++;
    await this.close();
    await this.open('resume');
  }

  send(to: string, body: string): Promise<LocalMessage> {
    return this.e.send(to, body);
  }

  setNetworkEnabled(enabled: boolean): void {
    this.networkEnabled = enabled;
    this.engine?.setNetworkEnabled(enabled);
  }

  isNetworkEnabled(): boolean {
    return this.networkEnabled;
  }

  markRead(conversationId: string): Promise<void> {
    return this.e.markRead(conversationId);
  }

  connection(): string {
    return this.engine?.getState().connection ?? 'closed';
  }

  async snapshot(): Promise<DeviceSnapshot> {
    const e = this.e;
    const messages: Record<string, LocalMessage[]> = {};
    for (const c of this.options.conversationIds()) messages[c] = await e.queries.messages(c, ALL);
    const conversations = await e.queries.conversations();
    return {
      name: this.name,
      userId: this.account.id,
      messages,
      outbox: await e.queries.outbox(),
      conversationIds: conversations.map((v) => v.conversation.id),
    };
  }

  /** Outbox and connection as the settle loop needs them. */
  async quick(): Promise<{ outbox: number; connection: string }> {
    const e = this.e;
    return { outbox: (await e.queries.outbox()).length, connection: e.getState().connection };
  }
}
