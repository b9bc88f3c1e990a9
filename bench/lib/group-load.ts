/**
 * Group load generator (figure 9; runs inside bench/workers/group-load.ts, a child process).
 * One socket per user, like real devices; every group's first `senders` members send with
 * `send-message { clientId, conversationId, body }`, and every member's socket counts the
 * `new-message`s it gets. The generator holds both ends, so send→delivery-to-all (the last
 * other member's receipt) is read on one clock. Tracking and integrity: bench/lib/fanout.ts.
 * The same sockets serve runs over different groups (sizes 10 and 100 over the same users).
 */
import { io, type Socket } from 'socket.io-client';
import { FanoutTracker, fanoutGroup, type FanoutGroup } from './fanout.ts';
import type { BenchUser, Integrity } from './load.ts';
import { Samples, type LatencySummary } from './stats.ts';

export interface GroupSpec {
  id: string;
  /** User ids; the first `senders` of them send. */
  members: string[];
  senders: number;
}

export interface GroupConnectArgs {
  url: string;
  users: BenchUser[];
  /** Sockets opened at once. */
  batch?: number;
}

interface RunArgs {
  groups: GroupSpec[];
  warmupMs: number;
  durationMs: number;
  bodyChars?: number;
}
/** Closed loop: each sender keeps `inflight` sends awaiting their ack. */
export type GroupClosedArgs = RunArgs & { inflight: number };
/** Open loop: `rate` msgs/s over all senders, round-robin, whatever the answers. */
export type GroupOpenArgs = RunArgs & { rate: number; maxOutstanding?: number };

export interface GroupRunResult {
  mode: 'closed' | 'open';
  windowMs: number;
  offeredRate: number | null;
  groupSize: number;
  groups: number;
  senders: number;
  /** Sends acked and delivered to every other member, completed in the window, per second. */
  completedRate: number;
  ackRate: number;
  /** Member deliveries (new-message on one socket) in the window, per second. */
  deliveryRate: number;
  ack: LatencySummary;
  /** Send → the last other member's receipt. */
  all: LatencySummary;
  /** Send → each member's receipt. */
  each: LatencySummary;
  overloaded: boolean;
  drainMs: number;
  /** Over everything this generator sent so far. */
  integrity: Integrity;
}

interface Conn {
  socket: Socket;
  user: BenchUser;
  inflight: number;
  n: number;
}

interface Sender {
  conn: Conn;
  group: FanoutGroup;
  index: number;
}

interface TextMessage {
  senderId: string;
  clientId: string;
  conversationId: string;
  type?: string;
}

export class GroupLoadGenerator {
  private conns = new Map<string, Conn>();
  private inWindow = false;
  private runs = 0;
  private runTag = '';
  private body = 'x';
  private acksInWindow = 0;
  private deliveriesInWindow = 0;
  private completedInWindow = 0;
  private ackLat = new Samples();
  private allLat = new Samples();
  private eachLat = new Samples();
  /** System messages seen (group-created and the like): not part of the figure. */
  systemDeliveries = 0;
  private readonly tracker = new FanoutTracker({
    acked: (s, now) => {
      if (s.measured) this.ackLat.push(now - s.t0);
      if (this.inWindow) this.acksInWindow++;
    },
    delivered: (s, now) => {
      if (s.measured) this.eachLat.push(now - s.t0);
      if (this.inWindow) this.deliveriesInWindow++;
    },
    deliveredToAll: (s, now) => {
      if (s.measured) this.allLat.push(now - s.t0);
    },
    completed: () => {
      if (this.inWindow) this.completedInWindow++;
    },
  });

  /** Called when a measurement window opens and closes (the bench samples /proc then). */
  constructor(private readonly onWindow: (phase: 'start' | 'end') => void = () => {}) {}

  async connect(args: GroupConnectArgs): Promise<{ connected: number; ms: number }> {
    const start = performance.now();
    const batch = args.batch ?? 50;
    for (let i = 0; i < args.users.length; i += batch) await Promise.all(args.users.slice(i, i + batch).map((u) => this.openSocket(args.url, u)));
    return { connected: this.conns.size, ms: performance.now() - start };
  }

  private openSocket(url: string, user: BenchUser): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = io(url, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { token: user.token } });
      socket.once('connect', () => {
        this.conns.set(user.id, { socket, user, inflight: 0, n: 0 });
        resolve();
      });
      socket.once('connect_error', (err) => reject(new Error(`connect ${user.id}: ${err.message}`)));
      socket.on('disconnect', (reason) => {
        if (reason !== 'io client disconnect') this.tracker.problem('disconnects', `socket of ${user.id} disconnected: ${reason}`);
      });
      socket.on('new-message', (ev: { message: TextMessage }) => {
        if (ev.message.type === 'system') this.systemDeliveries++;
        else this.tracker.deliver(user.id, ev.message, performance.now());
      });
    });
  }

  async disconnect(): Promise<void> {
    for (const c of this.conns.values()) c.socket.disconnect();
    this.conns.clear();
  }

  check(): Integrity & { systemDeliveries: number } {
    return { ...this.tracker.check(), systemDeliveries: this.systemDeliveries };
  }

  private begin(args: RunArgs): Sender[] {
    this.runTag = `${process.pid.toString(36)}g${++this.runs}`;
    const chars = Math.max(1, args.bodyChars ?? 64);
    this.body = `bench message ${'·'.repeat(Math.max(0, chars - 14))}`.slice(0, chars);
    this.ackLat = new Samples();
    this.allLat = new Samples();
    this.eachLat = new Samples();
    this.acksInWindow = this.deliveriesInWindow = this.completedInWindow = 0;
    const senders: Sender[] = [];
    for (const spec of args.groups) {
      const group = fanoutGroup(spec.id, spec.members);
      for (let i = 0; i < Math.min(spec.senders, spec.members.length); i++) {
        const conn = this.conns.get(spec.members[i]!);
        if (!conn) throw new Error(`member ${spec.members[i]} of ${spec.id} has no socket`);
        senders.push({ conn, group, index: i });
      }
    }
    // Round-robin over groups first, so a paced run spreads its sends over every group.
    return senders.sort((a, b) => a.index - b.index);
  }

  private send(s: Sender, t0: number, onAck?: () => void): void {
    const { conn } = s;
    // Time-ordered per sender like the engine's clientIds (see bench/lib/load.ts).
    const clientId = `${Date.now().toString(16).padStart(12, '0')}${this.runTag}-${(conn.n++).toString(36).padStart(6, '0')}`;
    const entry = this.tracker.send(`${conn.user.id}:${clientId}`, s.group, s.index, t0, this.inWindow);
    conn.inflight++;
    conn.socket.emit('send-message', { clientId, conversationId: s.group.id, body: this.body }, (res: { ok?: boolean; code?: string; message?: unknown }) => {
      conn.inflight--;
      this.tracker.ack(entry, res, performance.now());
      onAck?.();
    });
  }

  private openWindow(): number {
    this.inWindow = true;
    this.onWindow('start');
    return performance.now();
  }

  private closeWindow(): void {
    if (this.inWindow) this.onWindow('end');
    this.inWindow = false;
  }

  async closed(args: GroupClosedArgs): Promise<GroupRunResult> {
    const senders = this.begin(args);
    let stopping = false;
    const pump = (s: Sender) => {
      while (!stopping && s.conn.inflight < args.inflight) this.send(s, performance.now(), () => pump(s));
    };
    senders.forEach(pump);
    await sleep(args.warmupMs);
    const w0 = this.openWindow();
    await sleep(args.durationMs);
    this.closeWindow();
    const windowMs = performance.now() - w0;
    stopping = true;
    return this.finish('closed', args, senders.length, windowMs, null, false);
  }

  /** Latency from the intended send time, so a stalled server or generator is charged. */
  async open(args: GroupOpenArgs): Promise<GroupRunResult> {
    const senders = this.begin(args);
    const maxOutstanding = args.maxOutstanding ?? 20_000;
    const interval = 1000 / args.rate;
    const t0 = performance.now();
    const measureFrom = t0 + args.warmupMs;
    const end = measureFrom + args.durationMs;
    let issued = 0;
    let outstanding = 0;
    let overloaded = false;
    let w0 = measureFrom;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (!this.inWindow && now >= measureFrom && now < end) w0 = this.openWindow();
        if (now >= end || overloaded) {
          this.closeWindow();
          clearInterval(timer);
          return resolve();
        }
        for (const due = Math.floor((now - t0) / interval); issued < due; issued++) {
          if (outstanding >= maxOutstanding) {
            overloaded = true;
            break;
          }
          outstanding++;
          this.send(senders[issued % senders.length]!, t0 + issued * interval, () => outstanding--);
        }
      }, 1);
    });
    const windowMs = Math.min(performance.now(), end) - w0;
    return this.finish('open', args, senders.length, windowMs, args.rate, overloaded);
  }

  /** Waits (bounded) for every ack and delivery still due, then reports. */
  private async finish(mode: 'closed' | 'open', args: RunArgs, senders: number, windowMs: number, offeredRate: number | null, overloaded: boolean): Promise<GroupRunResult> {
    const d0 = performance.now();
    while (this.tracker.incomplete > 0 && performance.now() < d0 + 60_000) await sleep(20);
    const sec = windowMs / 1000;
    return {
      mode,
      windowMs,
      offeredRate,
      groupSize: args.groups[0]?.members.length ?? 0,
      groups: args.groups.length,
      senders,
      completedRate: this.completedInWindow / sec,
      ackRate: this.acksInWindow / sec,
      deliveryRate: this.deliveriesInWindow / sec,
      ack: this.ackLat.summary(),
      all: this.allLat.summary(),
      each: this.eachLat.summary(),
      overloaded,
      drainMs: performance.now() - d0,
      integrity: this.tracker.check(),
    };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
