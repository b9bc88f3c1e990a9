/**
 * A device: one sync engine on its own fake IndexedDB, reaching the server
 * through its own fault proxy. It watches what it shows (through the engine's
 * liveQuery-friendly `queries`) so a status that moves backwards, a seq that
 * changes or a message that disappears is caught when it happens, not only at
 * the end.
 *
 * A device belongs to one user (`home`) but another account may sign in on it for a while
 * (an account switch): the device signs out keeping its data, then signs the other account
 * in, retrying as a person would until the network lets it. What it shows is remembered per
 * account, so when an account comes back its messages must reappear no less advanced than
 * they were shown before it left.
 */
import { conversationMembers, type Message } from '@pigeon/sync-protocol';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createSyncEngine } from '@pigeon/sync-protocol/engine';
import type { LocalMessage, SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import type { DeviceView } from './cluster-record.ts';
import type { History } from './history.ts';
import './dexie-tripwire.ts';
import { judgedByGroups, type RefusedRow } from './check-input.ts';
import { mergeHidden } from './device-rows.ts';
import { searchMismatches } from './search-probe.ts';
import { storageProblems } from './storage-probe.ts';
import type { DeviceSnapshot, Observation, ObservationKind } from './invariants.ts';
import type { FaultProxy } from './proxy.ts';
import { ShownMessages } from './shown.ts';
import { DeviceWatch } from './device-watch.ts';
import { listTracingFetch } from './list-trace.ts';

export interface Account {
  index: number;
  username: string;
  password: string;
  /** Known once the first device signed up. */
  id: string;
}

/** Far more than a run holds: the observers want whole conversations, not the newest page. */
const ALL = 1_000_000;

export interface DeviceOptions {
  name: string;
  /** The device's own user. */
  account: Account;
  proxy: FaultProxy;
  history: History;
  observations: Observation[];
  /** Every conversation of the world, including the ones this user is not in (to catch leaks). */
  conversationIds: () => string[];
  ackTimeoutMs?: number;
  /** The engine's upload chunk size (default: the engine's, 1 MiB). */
  uploadChunkBytes?: number;
  /**
   * Its IndexedDB database name, unique in the process: Dexie tells every live query on a
   * database *name* about writes to it, so two runs side by side must not share names.
   */
  dbName: string;
  /** What the device shows of its peers (presence, typing) and of its connection, for the 2-node checks. */
  onView?: (v: DeviceView) => void;
  /** The groups (server ids) the world knows: watched like the 1:1 conversations (group-driver.ts). */
  groupIds?: () => string[];
  /** A group message the engine handed over (its `message` event), with the account it was handed to. */
  onGroupMessage?: (accountId: string, m: Message) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A local call (send, markRead, reload, signOut) taking longer than this counts as hung.
 * signOut() waits for the server's logout at most 2 s (logoutTimeoutMs).
 */
export const OP_TIMEOUT_MS = 8_000;

/** How long a switch op waits for the sign-in before the run goes on (a sign-in takes ~0.1–0.3 s when the network lets it). */
const SWITCH_WAIT_MS = 600;

export class Device {
  readonly name: string;
  /** The device's own user: signed in at the start and again at the end of every run. */
  readonly home: Account;
  readonly proxy: FaultProxy;
  /** One IndexedDB per device, kept across reloads like a browser profile. */
  readonly idb = new IDBFactory();
  private engine: SyncEngine | null = null;
  /** Engine event listeners, kept for the engine's life. */
  private listeners: (() => void)[] = [];
  /** The live queries of the signed-in account and what they showed (device-watch.ts, shown.ts). */
  private readonly watcher: DeviceWatch;
  /** Bumped at every sign-in (not at reloads: a message shown before a reload must still be there after it). */
  private epoch = 0;
  private lastConnection = '';
  /** The engine's network switch, re-applied after a reload as a browser's onLine state would be. */
  private networkEnabled = true;
  /** Signed in as (per this harness); null between a sign-out and the next sign-in. */
  private current: Account | null = null;
  /** Whom the device should be signed in as; the sign-in loop works towards it. */
  private target: Account;
  /** Accounts whose messages the engine may hand over now (its `message` event). */
  private owners = new Set<string>();
  /** account id → its outbox size when it last signed out here. */
  private readonly unsentAtSignOut = new Map<string, number>();
  /**
   * Rows that showed an action the server refused (`actionError`) when their account signed out
   * here: the next account's sign-in clears them, and with them the only sign of the refusal
   * (chaos seed 7016: a delete refused after its user left the group, then a switch).
   */
  private readonly refusedAtSignOut: RefusedRow[] = [];
  /** signOut() calls in progress: their 'signed-out' (reason user) is expected. */
  private signingOut = 0;
  private loop: Promise<void> | null = null;
  /** Ends the sign-in loop's wait between attempts (a switch or the heal: try now). */
  private wake: (() => void) | null = null;
  /** Sign-in attempts, sign-outs and reloads never overlap. */
  private lock: Promise<unknown> = Promise.resolve();
  private stopped = false;
  reloads = 0;
  switches = 0;
  /** Sign-outs with messages still in the outbox (parked for that account's next sign-in here). */
  signedOutWithUnsent = 0;

  constructor(private readonly options: DeviceOptions) {
    this.name = options.name;
    this.home = options.account;
    this.target = options.account;
    this.proxy = options.proxy;
    const shown = new ShownMessages(
      this.name,
      options.history,
      (kind, detail, key) => this.observe(kind, detail, key),
      async (key) => {
        const row = await this.engine?.queries.message(key);
        return row?.hiddenAt ? `deleted for me (${row.hiddenAt})` : null;
      },
    );
    this.watcher = new DeviceWatch({ ...options, shown, isCurrent: (engine) => this.engine === engine });
  }

  /** The account signed in now, or null while switching. */
  get account(): Account | null {
    return this.current;
  }

  /** Signed in as the account it should be (no switch under way). */
  isSettled(): boolean {
    return this.current === this.target;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  get dbName(): string {
    return this.options.dbName;
  }

  isOpen(): boolean {
    return this.engine !== null;
  }

  /** The engine while open (group-driver.ts makes its calls on it). */
  get live(): SyncEngine | null {
    return this.engine;
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

  /** mode: how the device gets its session — its user's first sign-in, or a reload. */
  async open(mode: 'sign-in' | 'resume'): Promise<void> {
    if (this.engine) return;
    const engine = createSyncEngine({
      serverUrl: `http://127.0.0.1:${this.proxy.port}`,
      dbName: this.dbName,
      indexedDB: this.idb as unknown as globalThis.IDBFactory,
      IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange,
      locks: null,
      fetch: listTracingFetch(this.name, this.options.history),
      ...(this.options.ackTimeoutMs ? { ackTimeoutMs: this.options.ackTimeoutMs } : {}),
      ...(this.options.uploadChunkBytes ? { uploadChunkBytes: this.options.uploadChunkBytes } : {}),
    });
    this.engine = engine;
    this.wire(engine);
    if (mode === 'sign-in') {
      this.owners = new Set([this.home.id]);
      await engine.signIn(this.home.username, this.home.password);
      this.current = this.home;
      this.epoch++;
    } else {
      // Between a sign-out and the next sign-in (a switch under way) there is no session to resume.
      const expected = this.current;
      const user = await engine.resume();
      if (expected && !user) this.observe('resume-failed', `resume() returned null after a reload: the stored session of ${expected.username} was lost`);
      else if (expected && user && user.id !== expected.id) this.observe('resume-failed', `resume() returned user ${user.id}, expected ${expected.id}`);
      else if (!expected && user) this.observe('resume-failed', `resume() returned user ${user.id} on a device that had signed out`);
    }
    if (!this.networkEnabled) engine.setNetworkEnabled(false);
    if (this.current) this.watcher.start(engine, this.current, this.epoch);
  }

  private wire(engine: SyncEngine): void {
    const h = this.options.history;
    this.listeners.push(
      engine.on('state', (s) => {
        if (s.connection !== this.lastConnection) {
          this.lastConnection = s.connection;
          h.add('conn', `${this.name} ${s.connection} outbox=${s.outboxSize}`);
          this.options.onView?.({ kind: 'connection', state: s.connection });
        }
      }),
      engine.on('typing', (t) => {
        h.add('typing', `${this.name} sees ${t.from} ${t.typing ? 'typing' : 'stopped'} in ${t.conversationId}`);
        this.options.onView?.({ kind: 'typing', peer: t.from, conversationId: t.conversationId, typing: t.typing });
      }),
      engine.on('error', (e) => {
        const text = e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : String(e.error);
        // The stack goes to the history (the dump's evidence), the violation keeps the message.
        const err = e.error as Error & { _e?: Error; inner?: Error };
        const stack = err instanceof Error ? [err.stack, err._e?.stack, err.inner?.stack].filter(Boolean).join('\n').split('\n').filter((l) => l.trim().startsWith('at ')).slice(0, 14).map((l) => l.trim()).join(' ← ') : '';
        h.add('engine-error', `${this.name} ${e.where} ${text}${stack ? ` [${stack}]` : ''}`);
        this.observe('engine-error', `${e.where}: ${text}`);
      }),
      engine.on('signed-out', (e) => {
        if (this.signingOut > 0 && e.reason === 'user') h.add('account', `${this.name} signed-out event (reason user), as asked`);
        else this.observe('signed-out', `engine signed out (reason ${e.reason})`);
      }),
      engine.on('message', (m) => {
        const content = `${m.version ? ` v${m.version}` : ''}${m.deletedAt ? ' deleted' : ''}${m.hiddenAt ? ` hidden ${m.hiddenAt}` : ''}`;
        h.add('applied', `${this.name} ${m.senderId}:${m.clientId} seq=${m.seq} ${m.status}${content}`);
        // A group message is judged against its account's membership periods (invariants-groups-devices.ts).
        if (conversationMembers(m.conversationId) === null) this.options.onGroupMessage?.([...this.owners][0] ?? '', m);
        else if (!this.owners.has(m.senderId) && !this.owners.has(m.recipientId)) {
          this.observe('foreign-message', `received ${m.conversationId} message ${m.id} while ${[...this.owners].join(',') || 'nobody'} may be shown messages`, `${m.senderId}:${m.clientId}`);
        }
      }),
    );
  }

  // --- account switch ---------------------------------------------------------------

  /**
   * Signs the device over to `account` (its own user or a guest): sign out keeping the data,
   * then sign in, retried in the background until the network lets it. Waits a moment for it
   * (so the next ops usually run as the new account); ops that come while the device is signed
   * out are skipped, as a person cannot send from the sign-in screen.
   */
  async switchTo(account: Account): Promise<void> {
    if (account !== this.target) {
      this.switches++;
      this.target = account;
      this.options.history.add('account', `${this.name} switching to ${account.username}`);
    }
    const loop = this.kick();
    this.wake?.();
    await Promise.race([loop, sleep(SWITCH_WAIT_MS)]);
  }

  /**
   * Messages `account` left unsent here at its last sign-out: kept aside (parked) until its next
   * sign-in on this device. 0 when it never signed out here or left nothing.
   */
  unsentOf(account: Account): number {
    return this.unsentAtSignOut.get(account.id) ?? 0;
  }

  /** Waits until the device is signed in as the account it should be, or the deadline passes. */
  async settleAccount(deadlineMs: number): Promise<boolean> {
    this.kick();
    this.wake?.();
    const until = Date.now() + deadlineMs;
    while (!this.isSettled()) {
      if (Date.now() > until) return false;
      await sleep(50);
    }
    return true;
  }

  private kick(): Promise<void> {
    if (!this.loop) {
      this.loop = this.converge().finally(() => {
        this.loop = null;
      });
    }
    return this.loop;
  }

  private async converge(): Promise<void> {
    for (let attempt = 0; !this.stopped && !this.isSettled(); attempt++) {
      const done = await this.exclusive(() => this.step());
      if (!done) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(150 * (attempt + 1), 1_500));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  /** One step towards the target: sign out whoever is signed in, or try to sign the target in. */
  private async step(): Promise<boolean> {
    const h = this.options.history;
    const engine = this.engine;
    if (this.stopped || this.isSettled()) return true;
    if (!engine) return false; // closed: reopened by the next op or the heal
    if (this.current) {
      const from = this.current;
      this.current = null; // from here on, sends on this device are skipped
      this.watcher.stop();
      this.options.onView?.({ kind: 'reset', why: 'signed out' });
      this.signingOut++;
      const started = Date.now();
      try {
        const unsent = (await engine.queries.outbox()).filter((m) => !judgedByGroups(m)).length;
        this.unsentAtSignOut.set(from.id, unsent);
        if (unsent > 0) this.signedOutWithUnsent++;
        await engine.signOut();
        h.add('account', `${this.name} ${from.username} signed out with ${unsent} unsent (${Date.now() - started} ms)`);
        // Kept until the next sign-in (signOut keeps the data): read after it, no refusal can land later.
        await this.noteRefusals(engine, from.id);
      } catch (err) {
        this.observe('op-failed', `signOut() of ${from.username} rejected: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.signingOut--;
      }
      if (Date.now() - started > OP_TIMEOUT_MS) this.observe('op-failed', `signOut() of ${from.username} took ${Date.now() - started} ms`);
      return false;
    }
    const to = this.target;
    // From the moment another account signs in, the previous one's messages are none of this device's business.
    this.owners = new Set([to.id]);
    try {
      await engine.signIn(to.username, to.password);
    } catch (err) {
      h.add('account', `${this.name} sign-in of ${to.username} failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    this.current = to;
    this.epoch++;
    h.add('account', `${this.name} signed in as ${to.username}`);
    this.watcher.start(engine, to, this.epoch);
    return true;
  }

  private async noteRefusals(engine: SyncEngine, userId: string): Promise<void> {
    const ids = new Set([...this.options.conversationIds(), ...(await engine.queries.conversations()).map((v) => v.conversation.id)]);
    for (const c of ids) {
      for (const row of await engine.queries.messages(c, ALL)) {
        const kept = (r: RefusedRow) => r.userId === userId && r.row.key === row.key && JSON.stringify(r.row.actionError) === JSON.stringify(row.actionError);
        if (row.actionError && !this.refusedAtSignOut.some(kept)) this.refusedAtSignOut.push({ userId, row });
      }
    }
  }

  /** Watches one more conversation in the current sign-in (a group whose server id the world just learned). */
  watchGroup(conversationId: string): void {
    this.watcher.group(conversationId);
  }

  async close(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    this.watcher.stop();
    for (const unsubscribe of this.listeners.splice(0)) unsubscribe();
    this.engine = null;
    this.lastConnection = '';
    this.options.onView?.({ kind: 'reset', why: 'closed' });
    await engine.close();
  }

  /** The end of the run: no more sign-in attempts, then close. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.close();
  }

  /**
   * A page reload: the engine goes away with whatever it had in memory; IndexedDB stays. It
   * waits for a sign-in attempt in flight (a person reloads after the sign-in page answered);
   * only the reload itself counts towards the hang limit.
   */
  async reload(): Promise<void> {
    this.reloads++;
    await this.exclusive(async () => {
      const started = Date.now();
      await this.close();
      await this.open('resume');
      if (Date.now() - started > OP_TIMEOUT_MS) this.observe('op-failed', `reload took ${Date.now() - started} ms`);
    });
  }

  /** Sends as the account signed in now; null when signed out (a switch under way). */
  async send(to: string, body: string): Promise<LocalMessage | null> {
    if (!this.current) return null;
    return this.e.send(to, body);
  }

  /** The account signed in types to `to` (the engine renews, idles and stops by itself); false when signed out. */
  setTyping(to: string): boolean {
    if (!this.current || !this.engine) return false;
    this.engine.setTyping(to, true);
    return true;
  }

  setNetworkEnabled(enabled: boolean): void {
    this.networkEnabled = enabled;
    this.engine?.setNetworkEnabled(enabled);
  }

  isNetworkEnabled(): boolean {
    return this.networkEnabled;
  }

  /** Marks read as the account signed in now; false when signed out. */
  async markRead(conversationId: string): Promise<boolean> {
    if (!this.current) return false;
    await this.e.markRead(conversationId);
    return true;
  }

  connection(): string {
    return this.engine?.getState().connection ?? 'closed';
  }

  /** `hidden`: keys some account deleted for themself, merged back in where this device holds them (device-rows.ts). */
  async snapshot(hidden: readonly string[] = []): Promise<DeviceSnapshot> {
    const e = this.e;
    const messages: Record<string, LocalMessage[]> = {};
    for (const c of this.options.conversationIds()) messages[c] = await e.queries.messages(c, ALL);
    const hiddenShown = await mergeHidden(e, messages, hidden);
    const searchMismatch = await searchMismatches(e, messages);
    const storageProblem = await storageProblems(this.dbName, this.idb as unknown as IDBFactory);
    const conversations = await e.queries.conversations();
    const outbox = await e.queries.outbox();
    return {
      name: this.name,
      userId: e.getState().userId ?? '',
      expectedUserId: this.home.id,
      messages,
      outbox: outbox.filter((m) => !judgedByGroups(m)),
      groupFailed: outbox.filter(judgedByGroups),
      conversationIds: conversations.filter((v) => v.conversation.type === 'direct').map((v) => v.conversation.id),
      ...(hiddenShown.length > 0 ? { hiddenShown } : {}),
      ...(searchMismatch.length > 0 ? { searchMismatch } : {}),
      ...(storageProblem.length > 0 ? { storageProblem } : {}),
      ...(this.refusedAtSignOut.length > 0 ? { refusedAtSignOut: [...this.refusedAtSignOut] } : {}),
    };
  }

  /**
   * Outbox (but what the server refused in groups: judged by the group checks), delivery receipts
   * owed (shown `delivered` here before the server has them: engine/local/owed-receipts.ts) and
   * connection, as the settle loop needs them.
   */
  async quick(): Promise<{ outbox: number; receiptsOwed: number; connection: string }> {
    const e = this.e;
    const state = e.getState();
    return { outbox: (await e.queries.outbox()).filter((m) => !judgedByGroups(m)).length, receiptsOwed: state.receiptsOwed ?? 0, connection: state.connection };
  }
}
