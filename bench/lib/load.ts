/**
 * Load generator core (runs inside bench/workers/load.ts, a child process).
 *
 * Every send is tracked by `${senderId}:${clientId}` from emit to ack (sender)
 * and to `new-message` (recipient). A second ack, a second delivery, a delivery
 * to the wrong user, a failed ack or a message never acked/delivered is an
 * integrity error: the bench reports it and exits non-zero.
 */
import { io, type Socket } from 'socket.io-client';
import { Samples, type LatencySummary } from './stats.ts';

export interface BenchUser {
  id: string;
  token: string;
}

export interface ConnectArgs {
  url: string;
  users: BenchUser[];
  /** peer[i] is the index of the user that socket i sends to (-1: it only receives); omit for idle sockets. */
  peers?: number[];
  /** urls[i]: the server node socket i connects to (several nodes); default `url` for all. */
  urls?: string[];
  /** Sockets opened at once. */
  batch?: number;
}

export interface ClosedArgs {
  /** Sends awaiting their ack, per socket. */
  inflight: number;
  warmupMs: number;
  durationMs: number;
  bodyChars?: number;
}

export interface OpenArgs {
  /** Offered load, messages/s over all sockets, paced (open loop). */
  rate: number;
  warmupMs: number;
  durationMs: number;
  bodyChars?: number;
  /** Give up (and report overload) when this many sends await their ack. */
  maxOutstanding?: number;
}

export interface RunResult {
  mode: 'closed' | 'open';
  windowMs: number;
  offeredRate: number | null;
  sent: number;
  /** In the measurement window. */
  acksInWindow: number;
  deliveriesInWindow: number;
  ackRate: number;
  deliveryRate: number;
  /** Sends whose ack and delivery both arrived in the window, per second. */
  completedRate: number;
  ack: LatencySummary;
  delivery: LatencySummary;
  overloaded: boolean;
  drainMs: number;
  integrity: Integrity;
}

export interface Integrity {
  sent: number;
  acked: number;
  delivered: number;
  failedAcks: number;
  doubleAcks: number;
  doubleDeliveries: number;
  wrongRecipient: number;
  unknownDeliveries: number;
  missingAcks: number;
  missingDeliveries: number;
  disconnects: number;
  firstErrors: string[];
}

const ACKED = 1;
const DELIVERED = 2;

interface Entry {
  t0: number;
  state: number;
  recipient: string;
  measured: boolean;
}

interface Conn {
  socket: Socket;
  user: BenchUser;
  peer: BenchUser | null;
  inflight: number;
  n: number;
}

export class LoadGenerator {
  /** Called when a measurement window opens and closes (the bench samples server CPU then). */
  constructor(private readonly onWindow: (phase: 'start' | 'end') => void = () => {}) {}
  private conns: Conn[] = [];
  private entries = new Map<string, Entry>();
  private runTag = '';
  private runs = 0;
  readonly totals: Integrity = emptyIntegrity();
  private inWindow = false;
  private acksInWindow = 0;
  private deliveriesInWindow = 0;
  private completedInWindow = 0;
  private ackLat = new Samples();
  private delLat = new Samples();
  private body = 'x';
  /** Entries still missing their ack or their delivery. */
  private incomplete = 0;

  async connect(args: ConnectArgs): Promise<{ connected: number; ms: number }> {
    const start = performance.now();
    const batch = args.batch ?? 50;
    for (let i = 0; i < args.users.length; i += batch) {
      const slice = args.users.slice(i, i + batch);
      await Promise.all(
        slice.map((u, j) => {
          const peer = args.peers?.[i + j] ?? -1;
          return this.openSocket(args.urls?.[i + j] ?? args.url, u, peer >= 0 ? args.users[peer]! : null);
        }),
      );
    }
    return { connected: this.conns.length, ms: performance.now() - start };
  }

  private openSocket(url: string, user: BenchUser, peer: BenchUser | null): Promise<void> {
    return new Promise((resolve, reject) => {
      // forceNew: without it io() multiplexes every socket to one URL over one connection.
      const socket = io(url, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { token: user.token } });
      const conn: Conn = { socket, user, peer, inflight: 0, n: 0 };
      socket.once('connect', () => {
        this.conns.push(conn);
        resolve();
      });
      socket.once('connect_error', (err) => reject(new Error(`connect ${user.id}: ${err.message}`)));
      socket.on('disconnect', (reason) => {
        if (reason !== 'io client disconnect') this.error('disconnects', `socket of ${user.id} disconnected: ${reason}`);
      });
      socket.on('new-message', (ev: { message: { senderId: string; clientId: string; recipientId: string } }) =>
        this.onDelivery(user.id, ev.message),
      );
    });
  }

  async disconnect(): Promise<void> {
    for (const c of this.conns) c.socket.disconnect();
    this.conns = [];
  }

  private error(kind: keyof Omit<Integrity, 'firstErrors'>, text: string): void {
    this.totals[kind]++;
    if (this.totals.firstErrors.length < 10) this.totals.firstErrors.push(text);
  }

  private onDelivery(userId: string, m: { senderId: string; clientId: string; recipientId: string }): void {
    const key = `${m.senderId}:${m.clientId}`;
    const e = this.entries.get(key);
    // Completed sends leave the map (see complete()), so a second delivery of one lands here too.
    if (!e) return this.error('unknownDeliveries', `delivery of unknown or already completed ${m.senderId}:${m.clientId} to ${userId}`);
    if (userId !== e.recipient || m.recipientId !== e.recipient)
      return this.error('wrongRecipient', `${m.clientId} for ${e.recipient} delivered to ${userId}`);
    if (e.state & DELIVERED) return this.error('doubleDeliveries', `${m.clientId} delivered twice`);
    e.state |= DELIVERED;
    if (e.state === (ACKED | DELIVERED)) this.complete(key);
    this.totals.delivered++;
    const now = performance.now();
    if (e.measured) this.delLat.push(now - e.t0);
    if (this.inWindow) {
      this.deliveriesInWindow++;
      if (e.state === (ACKED | DELIVERED)) this.completedInWindow++;
    }
  }

  private send(conn: Conn, t0: number, onAck?: () => void): void {
    const peer = conn.peer!;
    // Time-ordered per sender like the engine's newClientId (12 hex digits of ms first), so the
    // store's (sender, clientId) index sees the append pattern real clients produce.
    const clientId = `${Date.now().toString(16).padStart(12, '0')}${this.runTag}-${(conn.n++).toString(36).padStart(6, '0')}`;
    const key = `${conn.user.id}:${clientId}`;
    const entry: Entry = { t0, state: 0, recipient: peer.id, measured: this.inWindow };
    this.entries.set(key, entry);
    this.incomplete++;
    this.totals.sent++;
    conn.inflight++;
    conn.socket.emit('send-message', { clientId, to: peer.id, body: this.body }, (res: { ok: boolean; code?: string; message?: unknown }) => {
      conn.inflight--;
      if (!res?.ok) {
        this.error('failedAcks', `${clientId}: ack ${res?.code ?? '?'} ${JSON.stringify(res?.message ?? '')}`);
      } else if (entry.state & ACKED) {
        this.error('doubleAcks', `${clientId} acked twice`);
      } else {
        entry.state |= ACKED;
        if (entry.state === (ACKED | DELIVERED)) this.complete(key);
        this.totals.acked++;
        const now = performance.now();
        if (entry.measured) this.ackLat.push(now - entry.t0);
        if (this.inWindow) {
          this.acksInWindow++;
          if (entry.state === (ACKED | DELIVERED)) this.completedInWindow++;
        }
      }
      onAck?.();
    });
  }

  /**
   * A send acked and delivered is forgotten: a full run tracks millions of sends, and a map
   * that large made the generator's own major GCs show up as 100+ ms p99 stalls. A second
   * ack is still caught (the ack callback holds its entry), a second delivery as unknown.
   */
  private complete(key: string): void {
    this.entries.delete(key);
    this.incomplete--;
  }

  private beginRun(bodyChars: number): void {
    this.runTag = `${process.pid.toString(36)}r${++this.runs}`;
    this.body = `bench message ${'·'.repeat(Math.max(0, bodyChars - 14))}`.slice(0, Math.max(1, bodyChars));
    this.ackLat = new Samples();
    this.delLat = new Samples();
    this.acksInWindow = this.deliveriesInWindow = this.completedInWindow = 0;
  }

  /** Closed loop: each socket keeps `inflight` sends awaiting their ack. */
  async closed(args: ClosedArgs): Promise<RunResult> {
    this.beginRun(args.bodyChars ?? 64);
    const senders = this.conns.filter((c) => c.peer);
    let stopping = false;
    const pump = (c: Conn) => {
      while (!stopping && c.inflight < args.inflight) this.send(c, performance.now(), () => pump(c));
    };
    senders.forEach(pump);
    await sleep(args.warmupMs);
    const w0 = performance.now();
    this.inWindow = true;
    this.onWindow('start');
    await sleep(args.durationMs);
    this.inWindow = false;
    this.onWindow('end');
    const windowMs = performance.now() - w0;
    stopping = true;
    return this.finish('closed', windowMs, null, false);
  }

  /**
   * Open loop: sends paced at `rate` msgs/s, round-robin over the sockets, whatever the
   * server's answers. Latency runs from the intended send time, so a stalled
   * generator or server is charged (no coordinated omission).
   */
  async open(args: OpenArgs): Promise<RunResult> {
    this.beginRun(args.bodyChars ?? 64);
    const senders = this.conns.filter((c) => c.peer);
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
      const tick = () => {
        const now = performance.now();
        if (!this.inWindow && now >= measureFrom && now < end) {
          this.inWindow = true;
          this.onWindow('start');
          w0 = now;
        }
        if (now >= end || overloaded) {
          if (this.inWindow) this.onWindow('end');
          this.inWindow = false;
          clearInterval(timer);
          return resolve();
        }
        const due = Math.floor((now - t0) / interval);
        while (issued < due) {
          if (outstanding >= maxOutstanding) {
            overloaded = true;
            break;
          }
          const c = senders[issued % senders.length]!;
          const intended = t0 + issued * interval;
          issued++;
          outstanding++;
          this.send(c, intended, () => outstanding--);
        }
      };
      const timer = setInterval(tick, 1);
    });
    const windowMs = Math.min(performance.now(), end) - w0;
    return this.finish('open', windowMs, args.rate, overloaded);
  }

  /** Waits for every outstanding ack and delivery (bounded), then checks them. */
  private async finish(mode: 'closed' | 'open', windowMs: number, offeredRate: number | null, overloaded: boolean): Promise<RunResult> {
    const d0 = performance.now();
    const deadline = d0 + 60_000;
    while (this.incomplete > 0 && performance.now() < deadline) await sleep(20);
    const drainMs = performance.now() - d0;
    const sec = windowMs / 1000;
    return {
      mode,
      windowMs,
      offeredRate,
      sent: this.totals.sent,
      acksInWindow: this.acksInWindow,
      deliveriesInWindow: this.deliveriesInWindow,
      ackRate: this.acksInWindow / sec,
      deliveryRate: this.deliveriesInWindow / sec,
      completedRate: this.completedInWindow / sec,
      ack: this.ackLat.summary(),
      delivery: this.delLat.summary(),
      overloaded,
      drainMs,
      integrity: this.check(),
    };
  }

  /** Integrity over everything this generator sent so far. */
  check(): Integrity {
    let missingAcks = 0;
    let missingDeliveries = 0;
    for (const e of this.entries.values()) {
      if (!(e.state & ACKED)) missingAcks++;
      if (!(e.state & DELIVERED)) missingDeliveries++;
    }
    return { ...this.totals, firstErrors: [...this.totals.firstErrors], missingAcks, missingDeliveries };
  }
}

export function emptyIntegrity(): Integrity {
  return {
    sent: 0,
    acked: 0,
    delivered: 0,
    failedAcks: 0,
    doubleAcks: 0,
    doubleDeliveries: 0,
    wrongRecipient: 0,
    unknownDeliveries: 0,
    missingAcks: 0,
    missingDeliveries: 0,
    disconnects: 0,
    firstErrors: [],
  };
}

/** Number of integrity problems (0 = every send acked once and delivered once). */
export function integrityErrors(i: Integrity): number {
  return (
    i.failedAcks + i.doubleAcks + i.doubleDeliveries + i.wrongRecipient + i.unknownDeliveries + i.missingAcks + i.missingDeliveries + i.disconnects
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
