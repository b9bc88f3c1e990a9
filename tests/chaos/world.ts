/**
 * The cluster of one run: a server child process, one fault proxy per device,
 * the devices, and the bookkeeping the invariants need (what was accepted, what
 * was observed). It executes planned ops, heals everything, waits for the system
 * to settle and takes the final snapshots.
 */
import { directConversationId, type Message } from '@pigeon/sync-protocol';
import { Device, type Account } from './actors.ts';
import type { History } from './history.ts';
import { checkAll, type Accepted, type CheckInput, type DeviceSnapshot, type Observation } from './invariants.ts';
import { PROFILES, deviceName, describeOp, type Plan, type Op } from './plan.ts';
import { CLEAN, FaultProxy } from './proxy.ts';
import type { Rng } from './rng.ts';
import type { ServerProcess } from './server-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An engine call that takes longer than this while the device is open counts as hung. */
const OP_TIMEOUT_MS = 8_000;

export interface WorldOptions {
  seed: number;
  plan: Plan;
  rng: Rng;
  server: ServerProcess;
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
  private tokens = new Map<string, string>();

  constructor(private readonly o: WorldOptions) {}

  private device(name: string): Device {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new Error(`no device ${name}`);
    return d;
  }

  async setup(): Promise<void> {
    const { plan, seed, history } = this.o;
    await this.o.server.start();
    history.add('server', `started on ${this.o.server.url}`);
    // Accounts are created over REST first, so every device knows every user id
    // (and so every conversation id to watch) before its engine opens.
    for (let u = 0; u < plan.shape.devices.length; u++) {
      const account: Account = { index: u, username: `c${seed}u${u}`, password: `chaos-pass-${seed}-${u}`, id: '' };
      const res = await this.rest('POST', '/api/auth/register', { username: account.username, password: account.password });
      const body = (await res.json()) as { token: string; user: { id: string } };
      if (res.status !== 201) throw new Error(`register ${account.username}: ${res.status} ${JSON.stringify(body)}`);
      account.id = body.user.id;
      this.tokens.set(account.id, body.token);
      this.accounts.push(account);
    }
    const ids = this.accounts.map((a) => a.id);
    this.conversationIds = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => directConversationId(a, b)));

    for (const account of this.accounts) {
      for (let d = 0; d < plan.shape.devices[account.index]!; d++) {
        const name = deviceName(account.index, d);
        const proxy = new FaultProxy({
          name,
          targetPort: this.o.server.port,
          rng: this.o.rng.derive(`proxy:${name}`),
          onEvent: (p, e) => {
            if (e.kind !== 'stall' || e.ms >= 1000) history.add('net', `${p} ${JSON.stringify(e)}`);
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
        });
        await device.open('sign-in');
        this.devices.push(device);
      }
    }
    for (const d of this.devices) d.proxy.setProfile(PROFILES[plan.initialProfiles[d.name]!]);
    history.add('setup', `accounts ${this.accounts.map((a) => `u${a.index}=${a.id}`).join(' ')}; profiles ${JSON.stringify(plan.initialProfiles)}`);
  }

  private rest(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
    return fetch(`${this.o.server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }

  /** Runs one op; never throws — a failure is recorded, the run goes on. */
  async execute(op: Op): Promise<string> {
    switch (op.kind) {
      case 'send': {
        const d = this.device(op.device);
        const to = this.accounts[op.to]!;
        const m = await this.guard(d, `send to u${op.to}`, () => d.send(to.id, op.body));
        if (!m) return 'rejected';
        const expectedKey = `${d.account.id}:${m.clientId}`;
        if (m.key !== expectedKey) d.observe('op-failed', `send returned key ${m.key}, expected ${expectedKey}`, m.key);
        this.accepted.push({
          key: m.key,
          clientId: m.clientId,
          senderId: d.account.id,
          recipientId: to.id,
          conversationId: directConversationId(d.account.id, to.id),
          body: op.body,
          device: d.name,
          op: this.o.history.currentOp,
        });
        return `${m.key} ${m.status}`;
      }
      case 'read': {
        const d = this.device(op.device);
        const c = directConversationId(d.account.id, this.accounts[op.peer]!.id);
        const ok = await this.guard(d, `markRead ${c}`, () => d.markRead(c).then(() => true));
        return ok ? 'ok' : 'rejected';
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
        const ok = await this.guard(d, 'reload', () => d.reload().then(() => true));
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
        await this.o.server.kill();
        return 'killed';
      case 'start-server':
        await this.o.server.start();
        return 'started';
      case 'pause':
        await sleep(op.ms);
        return 'ok';
    }
  }

  /**
   * An offline-first device must complete these calls locally, whatever the
   * network does: a rejection or a hang is recorded as a violation.
   */
  private async guard<T>(d: Device, what: string, call: () => Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer after ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS);
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
      h.add('op', `${describeOp(planned.op)} → ${result} (${Date.now() - started} ms)`);
    }
  }

  /** Faults stop: the server is up, every proxy is clean and online, every engine open. */
  async heal(): Promise<void> {
    const h = this.o.history;
    h.currentOp = this.o.plan.ops.length;
    if (!this.o.server.isRunning()) await this.o.server.start();
    for (const p of this.proxies) {
      p.setProfile(CLEAN);
      p.setOffline(false);
    }
    for (const d of this.devices) d.setNetworkEnabled(true);
    for (const d of this.devices) if (!d.isOpen()) await d.open('resume');
    h.add('heal', 'faults off, server up, all devices online');
  }

  private async tokenFor(account: Account): Promise<string> {
    const cached = this.tokens.get(account.id);
    if (cached) return cached;
    const res = await this.rest('POST', '/api/auth/login', { username: account.username, password: account.password });
    const body = (await res.json()) as { token: string };
    this.tokens.set(account.id, body.token);
    return body.token;
  }

  /** The server's view of a conversation, all pages, oldest first, through the public REST API. */
  async serverConversation(conversationId: string, reader: Account): Promise<Message[]> {
    const token = await this.tokenFor(reader);
    const pages: Message[][] = [];
    let before: string | null = null;
    do {
      const q = new URLSearchParams({ id: conversationId, limit: '200', ...(before ? { before } : {}) });
      const res = await this.rest('GET', `/api/messages/conversation?${q}`, undefined, token);
      if (!res.ok) throw new Error(`history ${conversationId}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { messages: Message[]; nextCursor: string | null };
      pages.unshift(body.messages);
      before = body.nextCursor;
    } while (before);
    return pages.flat();
  }

  async snapshot(): Promise<CheckInput> {
    const server: Record<string, Message[]> = {};
    for (const c of this.conversationIds) {
      const member = this.accounts.find((a) => c.includes(a.id))!;
      server[c] = await this.serverConversation(c, member);
    }
    const devices: DeviceSnapshot[] = [];
    for (const d of this.devices) devices.push(await d.snapshot());
    return {
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
  async settle(deadlineMs: number): Promise<{ settled: boolean; ms: number; last: CheckInput }> {
    const start = Date.now();
    let streak = 0;
    let last: CheckInput | null = null;
    while (Date.now() - start < deadlineMs) {
      const quick = await Promise.all(this.devices.map((d) => d.quick()));
      if (quick.every((q) => q.outbox === 0 && q.connection === 'online')) {
        last = await this.snapshot();
        const pending = checkAll({ ...last, observations: [] });
        streak = pending.length === 0 ? streak + 1 : 0;
        if (streak >= 2) return { settled: true, ms: Date.now() - start, last };
      } else {
        streak = 0;
      }
      await sleep(400);
    }
    last = await this.snapshot();
    return { settled: false, ms: Date.now() - start, last };
  }

  async teardown(): Promise<void> {
    for (const d of this.devices) {
      try {
        await d.close();
      } catch (err) {
        this.o.history.add('teardown', `${d.name} close failed: ${String(err)}`);
      }
    }
    for (const p of this.proxies) await p.close();
  }

  deviceStates(): string {
    return this.devices
      .map((d) => `${d.name}:${d.connection()}${d.proxy.isOffline() ? '(proxy offline)' : ''}${d.isNetworkEnabled() ? '' : '(network off)'}`)
      .join(' ');
  }
}
