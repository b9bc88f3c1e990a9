/**
 * The cluster of one run: a server child process, one fault proxy per device,
 * the devices, and the bookkeeping the invariants need (what was accepted, what
 * was observed). It executes planned ops, heals everything, waits for the system
 * to settle and takes the final snapshots.
 */
import { directConversationId, type Message } from '@pigeon/sync-protocol';
import { Device, OP_TIMEOUT_MS, type Account } from './actors.ts';
import type { History } from './history.ts';
import { checkAll, type Accepted, type CheckInput, type DeviceSnapshot, type Observation } from './invariants.ts';
import { GroupDriver } from './group-driver.ts';
import { PROFILES, deviceName, describeOp, type Plan, type Op } from './plan.ts';
import { isGroupOp } from './plan-groups.ts';
import { ActionDriver } from './actor-actions.ts';
import { isActionOp } from './plan-actions.ts';
import { AttachmentDriver } from './actor-attachments.ts';
import { isAttachmentOp } from './plan-attachments.ts';
import { MuteDriver } from './actor-mutes.ts';
import { isMuteOp } from './plan-mutes.ts';
import { ProfileDriver } from './actor-profiles.ts';
import { isProfileOp } from './plan-profiles.ts';
import { FaultProxy } from './proxy.ts';
import { ServerRest } from './server-rest.ts';
import type { Rng } from './rng.ts';
import type { Cluster } from './cluster.ts';
import type { ClusterRecorder } from './cluster-record.ts';
import { outboxDetail } from './outbox-detail.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the heal waits for a device to sign an account in (clean network, server up). */
const SIGN_IN_DEADLINE_MS = 20_000;

export interface WorldOptions {
  seed: number;
  plan: Plan;
  rng: Rng;
  cluster: Cluster;
  /** Records sockets, send acks and what devices show of their peers (the 2-node checks). */
  recorder: ClusterRecorder;
  history: History;
  ackTimeoutMs?: number;
}

export class World {
  readonly accounts: Account[] = [];
  readonly devices: Device[] = [];
  readonly proxies: FaultProxy[] = [];
  readonly accepted: Accepted[] = [];
  readonly observations: Observation[] = [];
  private conversationIds: string[] = [];
  /** The harness's REST client: registration, and the server's view at the end. */
  private readonly server: ServerRest;
  /** The node each device's load balancer tries first. */
  private readonly homes = new Map<string, number>();

  /** The group ops and what the group checks need (group-driver.ts). */
  readonly groups: GroupDriver;

  /** The message actions and replies (actor-actions.ts). */
  readonly actions: ActionDriver;

  /** The sends with files (actor-attachments.ts). */
  readonly attachments: AttachmentDriver;

  /** The mutes (actor-mutes.ts). */
  readonly mutes: MuteDriver;

  /** The profile changes (actor-profiles.ts). */
  readonly profiles: ProfileDriver;

  constructor(private readonly o: WorldOptions) {
    this.server = new ServerRest(() => o.cluster.url());
    this.groups = new GroupDriver({ accounts: this.accounts, devices: this.devices, history: o.history, get: (a, path) => this.getAs(a, path) });
    this.actions = new ActionDriver({ accounts: this.accounts, history: o.history, accepted: this.accepted, groups: this.groups, get: (a, path) => this.getAs(a, path) });
    this.attachments = new AttachmentDriver({
      accounts: this.accounts,
      devices: this.devices,
      history: o.history,
      accepted: this.accepted,
      post: (a, path, headers) => this.server.postAs(a, path, headers),
    });
    this.mutes = new MuteDriver({ accounts: this.accounts, devices: this.devices, history: o.history, get: (a, path) => this.getAs(a, path) });
    this.profiles = new ProfileDriver({ accounts: this.accounts, devices: this.devices, history: o.history, get: (a, path) => this.getAs(a, path) });
  }

  private device(name: string): Device {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new Error(`no device ${name}`);
    return d;
  }

  async setup(): Promise<void> {
    const { plan, seed, history } = this.o;
    const { cluster, recorder } = this.o;
    await cluster.start();
    history.add('server', `started ${cluster.size} node(s): ${cluster.nodes.map((n) => n.url).join(' ')}`);
    // Accounts are created over REST first, so every device knows every user id
    // (and so every conversation id to watch) before its engine opens. The spare
    // accounts (no device of their own) come last. All at once: setup is not under test.
    const count = plan.shape.devices.length + plan.shape.spares;
    const registered = await Promise.all(
      Array.from({ length: count }, async (_, u) => {
        const account: Account = { index: u, username: `c${seed}u${u}`, password: `chaos-pass-${seed}-${u}`, id: '' };
        await this.server.register(account);
        return account;
      }),
    );
    this.accounts.push(...registered);
    const ids = this.accounts.map((a) => a.id);
    this.conversationIds = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => directConversationId(a, b)));

    for (const account of this.accounts) {
      for (let d = 0; d < (plan.shape.devices[account.index] ?? 0); d++) {
        const name = deviceName(account.index, d);
        this.homes.set(name, plan.homes[name] ?? 0);
        const proxy = new FaultProxy({
          name,
          targetPort: cluster.first.port,
          route: () => cluster.route(this.homes.get(name) ?? 0),
          tap: (node) => recorder.tap(name, node),
          rng: this.o.rng.derive(`proxy:${name}`),
          onEvent: (p, e) => {
            if (e.kind === 'auth') history.add('auth', `${p} ${e.request} (conn ${e.conn})`);
            else if (e.kind !== 'stall' || e.ms >= 1000) history.add('net', `${p} ${JSON.stringify(e)}`);
          },
        });
        await proxy.listen();
        this.proxies.push(proxy);
        const device = new Device({
          name,
          account,
          proxy,
          history,
          observations: this.observations,
          conversationIds: () => this.conversationIds,
          ackTimeoutMs: this.o.ackTimeoutMs,
          dbName: `pigeon-s${seed}-${name}`,
          // Small upload chunks on some devices, so a file of a few hundred KiB is several requests (resumed after a cut).
          uploadChunkBytes: this.o.rng.derive(`chunks:${name}`).pick([16 * 1024, 64 * 1024, undefined]),
          onView: (v) => recorder.view(name, v),
          groupIds: () => this.groups.serverIds(),
          onGroupMessage: (accountId, m) => this.groups.onApplied(name, accountId, m),
        });
        this.devices.push(device);
      }
    }
    await Promise.all(this.devices.map((d) => d.open('sign-in')));
    for (const d of this.devices) d.proxy.setProfile(PROFILES[plan.initialProfiles[d.name]!]);
    history.add(
      'setup',
      `accounts ${this.accounts.map((a) => `u${a.index}=${a.id}${a.index >= plan.shape.devices.length ? ' (spare)' : ''}`).join(' ')}; ` +
        `profiles ${JSON.stringify(plan.initialProfiles)}; access tokens ${plan.tokenTtlS} s`,
    );
  }

  /** Runs one op; never throws — a failure is recorded, the run goes on. */
  async execute(op: Op): Promise<string> {
    if (isGroupOp(op)) return this.groups.execute(op, this.device(op.device));
    if (isActionOp(op)) return this.actions.execute(op, this.device(op.device));
    if (isAttachmentOp(op)) return this.attachments.execute(op, this.device(op.device));
    if (isMuteOp(op)) return this.mutes.execute(op, this.device(op.device));
    if (isProfileOp(op)) return this.profiles.execute(op, this.device(op.device));
    switch (op.kind) {
      case 'send': {
        const d = this.device(op.device);
        const to = this.accounts[op.to]!;
        // Whoever is signed in when the call is made sends it (the device's user or a guest).
        const from = d.account;
        if (!from) return 'skipped: signed out (switching accounts)';
        const m = await this.guard(d, `send to u${op.to}`, () => d.send(to.id, op.body));
        if (!m) return 'rejected';
        const expectedKey = `${from.id}:${m.clientId}`;
        if (m.key !== expectedKey) d.observe('op-failed', `send returned key ${m.key}, expected ${expectedKey}`, m.key);
        this.accepted.push({
          key: m.key,
          clientId: m.clientId,
          senderId: from.id,
          recipientId: to.id,
          conversationId: directConversationId(from.id, to.id),
          body: op.body,
          device: d.name,
          op: this.o.history.currentOp,
        });
        return `${m.key} ${m.status}${from === d.home ? '' : ` (as ${from.username})`}`;
      }
      case 'read': {
        const d = this.device(op.device);
        const me = d.account;
        if (!me) return 'skipped: signed out (switching accounts)';
        const c = directConversationId(me.id, this.accounts[op.peer]!.id);
        const ok = await this.guard(d, `markRead ${c}`, () => d.markRead(c));
        return ok === null ? 'rejected' : ok ? 'ok' : 'skipped: signed out';
      }
      case 'switch': {
        const d = this.device(op.device);
        await d.switchTo(this.accounts[op.account]!);
        return d.account ? `signed in as ${d.account.username}` : 'signing in';
      }
      case 'offline':
        this.device(op.device).proxy.setOffline(true);
        return 'ok';
      case 'online':
        this.device(op.device).proxy.setOffline(false);
        return 'ok';
      case 'net-off':
        this.device(op.device).setNetworkEnabled(false);
        return 'ok';
      case 'net-on':
        this.device(op.device).setNetworkEnabled(true);
        return 'ok';
      case 'reload': {
        const d = this.device(op.device);
        // The device times the reload itself: it may first wait for a sign-in attempt in flight.
        const ok = await this.guard(d, 'reload', () => d.reload().then(() => true), 60_000);
        return ok ? 'ok' : 'failed';
      }
      case 'cut':
        this.device(op.device).proxy.cutAll('op');
        return 'ok';
      case 'refuse': {
        const p = this.device(op.device).proxy;
        p.refuseFor(op.ms);
        p.cutAll('refuse');
        return 'ok';
      }
      case 'profile':
        this.device(op.device).proxy.setProfile(PROFILES[op.profile]);
        return 'ok';
      case 'kill-server':
      case 'kill-node':
        await this.o.cluster.kill(op.kind === 'kill-node' ? op.node : 0);
        return 'killed';
      case 'start-server':
      case 'start-node':
        await this.o.cluster.startNode(op.kind === 'start-node' ? op.node : 0);
        return 'started';
      case 'redis-restart':
        await this.o.cluster.restartRedis(op.ms);
        return 'stopped';
      case 'move': {
        this.homes.set(op.device, op.node);
        this.device(op.device).proxy.cutAll('move');
        return 'ok';
      }
      case 'type': {
        const d = this.device(op.device);
        return d.setTyping(this.accounts[op.to]!.id) ? 'ok' : 'skipped: signed out';
      }
      case 'pause':
        await sleep(op.ms);
        return 'ok';
    }
  }

  /**
   * An offline-first device must complete these calls locally, whatever the
   * network does: a rejection or a hang is recorded as a violation.
   */
  private async guard<T>(d: Device, what: string, call: () => Promise<T>, timeoutMs = OP_TIMEOUT_MS): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs} ms`)), timeoutMs);
      });
      return await Promise.race([call(), timeout]);
    } catch (err) {
      d.observe('op-failed', `${what}: ${err instanceof Error ? err.message : String(err)} (connection ${d.connection()}, proxy ${d.proxy.isOffline() ? 'offline' : 'online'})`);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  async runOps(): Promise<void> {
    const h = this.o.history;
    for (const planned of this.o.plan.ops) {
      if (planned.gapMs > 0) await sleep(planned.gapMs);
      h.currentOp = planned.i;
      const started = Date.now();
      const result = await this.execute(planned.op);
      await this.groups.learn();
      const ms = Date.now() - started;
      h.add('op', `${describeOp(planned.op)} → ${result} (${ms} ms)`);
      if (ms > (this.slowestOp?.ms ?? 0)) this.slowestOp = { ms, op: `#${planned.i} ${planned.op.kind}` };
    }
  }

  /** The op that took longest (a slow run says where its time went). */
  slowestOp: { ms: number; op: string } | null = null;

  /**
   * Faults stop: the server is up, every proxy is clean and online, every engine open and
   * signed in as its own user again. Then every account that left unsent messages on someone
   * else's device signs in there once more, until that device's outbox is empty: they were kept
   * aside for it (parked) when the device switched back, and only its own next sign-in on that
   * device sends them.
   */
  async heal(): Promise<void> {
    const h = this.o.history;
    h.currentOp = this.o.plan.ops.length;
    await this.o.cluster.heal();
    for (const p of this.proxies) p.heal();
    for (const d of this.devices) d.setNetworkEnabled(true);
    for (const d of this.devices) if (!d.isOpen()) await d.open('resume');
    await Promise.all(this.devices.map((d) => this.signInAs(d, d.home)));
    h.add('heal', 'faults off, server up, all devices online and signed in as their own users');
    // Devices do not wait for each other (one database each); a device's guests take turns.
    await Promise.all(
      this.devices.map(async (d) => {
        for (const guest of this.accounts.filter((a) => a !== d.home && d.unsentOf(a) > 0)) {
          if (!(await this.signInAs(d, guest))) continue;
          const sent = await this.outboxEmpty(d);
          const left = sent ? '' : `: ${await outboxDetail(d.dbName, d.idb as unknown as IDBFactory)}`;
          h.add('heal', `${d.name}: ${guest.username} signed in again ${sent ? 'and sent what it had left' : `but its outbox did not empty${left}`}`);
          await this.signInAs(d, d.home);
        }
      }),
    );
  }

  /** Signs `account` in on `d` (clean network, server up); a failure is a session violation. */
  private async signInAs(d: Device, account: Account): Promise<boolean> {
    await d.switchTo(account);
    if (await d.settleAccount(SIGN_IN_DEADLINE_MS)) return true;
    d.observe('switch-failed', `could not sign in as ${account.username} within ${SIGN_IN_DEADLINE_MS} ms with the network clean and the server up`);
    return false;
  }

  private async outboxEmpty(d: Device): Promise<boolean> {
    for (const until = Date.now() + SIGN_IN_DEADLINE_MS; Date.now() < until; await sleep(100)) {
      const q = await d.quick();
      if (q.outbox === 0 && q.connection === 'online') return true;
    }
    return false;
  }

  /** GET with the account's token (server-rest.ts). */
  getAs(reader: Account, path: string): Promise<Response> {
    return this.server.getAs(reader, path);
  }

  async snapshot(): Promise<CheckInput> {
    const server: Record<string, Message[]> = {};
    for (const c of this.conversationIds) {
      const member = this.accounts.find((a) => c.includes(a.id))!;
      server[c] = await this.server.conversation(c, member);
    }
    await this.groups.learn();
    const withGroups = this.o.plan.ops.some((p) => isGroupOp(p.op));
    const groupServer = withGroups ? await this.groups.serverState() : [];
    const ids = groupServer.map((g) => g.id);
    const withActions = this.o.plan.ops.some((p) => isActionOp(p.op));
    const feeds = withActions ? await this.actions.feeds() : {};
    const hidden = this.actions.hiddenKeys();
    const withFiles = this.o.plan.ops.some((p) => isAttachmentOp(p.op));
    const withMutes = this.o.plan.ops.some((p) => isMuteOp(p.op));
    const withProfiles = this.o.plan.ops.some((p) => isProfileOp(p.op));
    const devices: DeviceSnapshot[] = [];
    for (const d of this.devices) devices.push({ ...(await d.snapshot(hidden)), ...(withGroups ? { groups: await this.groups.deviceState(d, ids, hidden) } : {}) });
    return {
      ...(withGroups ? { groups: this.groups.input(groupServer) } : {}),
      ...(withActions ? { actions: this.actions.input(feeds) } : {}),
      ...(withFiles ? { attachments: this.attachments.input() } : {}),
      ...(withMutes ? { mutes: await this.mutes.input() } : {}),
      ...(withProfiles ? { profiles: await this.profiles.input() } : {}),
      userIds: this.accounts.map((a) => a.id),
      conversationIds: this.conversationIds,
      accepted: this.accepted,
      server,
      devices,
      observations: this.observations,
    };
  }

  /**
   * Waits until every outbox is empty, every engine is online and the final
   * checks (minus the history-based ones) pass twice in a row — or the deadline.
   * Nothing is forced: no syncNow(). Catching up on its own is part of the promise.
   */
  /**
   * Waits until two snapshots in a row pass every check. The deadline bounds the system's convergence,
   * not the harness's observation of it: a first passing snapshot started before the deadline is
   * confirmed by one more even if that one ends past it (under the CI's load one snapshot took 6–8 s,
   * and a run that had converged 24 s in ran out of its 30 s waiting for the second). A confirmation
   * that fails still fails the run. `pending` is what the last snapshot still failed on.
   */
  async settle(deadlineMs: number): Promise<{ settled: boolean; ms: number; last: CheckInput; pending: string }> {
    const start = Date.now();
    let streak = 0;
    let last: CheckInput | null = null;
    let pendingNote = 'no snapshot taken: some device kept an outbox or receipts owed, or was not online';
    while (Date.now() - start < deadlineMs || streak === 1) {
      const quick = await Promise.all(this.devices.map((d) => d.quick()));
      // A receipt owed is a device ahead of the server (engine/local/owed-receipts.ts): not converged yet, like an outbox entry.
      const idle = (q: (typeof quick)[number]) => q.outbox === 0 && q.receiptsOwed === 0 && q.connection === 'online';
      if (quick.every(idle)) {
        const taken = Date.now();
        last = await this.snapshot();
        // What devices were seen doing is judged once, at the end: waiting cannot change it.
        const pending = checkAll({ ...last, observations: [], ...(last.groups ? { groups: { ...last.groups, applied: [], refusedHere: [] } } : {}) });
        // What a slow settle waited for, in the dump.
        pendingNote = pending.length === 0 ? 'all checks pass' : `${pending.length} failing, first: ${pending[0]!.invariant}: ${pending[0]!.message.slice(0, 200)}`;
        this.o.history.add('settle', `snapshot ${Date.now() - taken} ms; ${pendingNote}`);
        streak = pending.length === 0 ? streak + 1 : 0;
        if (streak >= 2) return { settled: true, ms: Date.now() - start, last, pending: '' };
      } else {
        streak = 0;
        const busy = quick.flatMap((q, i) => (idle(q) ? [] : [`${this.devices[i]!.name}: outbox ${q.outbox}, receipts owed ${q.receiptsOwed}, ${q.connection}`]));
        const note = `not snapshotted: ${busy.join('; ')}`;
        // What kept a slow settle from even snapshotting (an outbox, receipts owed, a connection), in the dump, once per change.
        if (note !== pendingNote) this.o.history.add('settle', note);
        pendingNote = note;
      }
      await sleep(400);
    }
    last = await this.snapshot();
    return { settled: false, ms: Date.now() - start, last, pending: pendingNote };
  }

  async teardown(): Promise<void> {
    for (const d of this.devices) {
      try {
        await d.shutdown();
      } catch (err) {
        this.o.history.add('teardown', `${d.name} close failed: ${String(err)}`);
      }
    }
    for (const p of this.proxies) await p.close();
  }

  deviceStates(): string {
    return this.devices
      .map(
        (d) =>
          `${d.name}:${d.connection()}${d.account === d.home ? '' : `(signed in as ${d.account?.username ?? 'nobody'})`}` +
          `${d.proxy.isOffline() ? '(proxy offline)' : ''}${d.isNetworkEnabled() ? '' : '(network off)'}`,
      )
      .join(' ');
  }
}
