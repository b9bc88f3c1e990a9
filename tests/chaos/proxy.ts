/**
 * A fault-injecting TCP proxy on loopback. Each device talks to the server
 * through its own proxy, so "this phone went into a tunnel" is one proxy going
 * offline while the others keep working.
 *
 * Faults, all drawn from seeded streams (one per connection and direction, so a
 * connection's fate does not depend on how its two directions interleave):
 *  - latency + jitter on every chunk (order kept: one queue per direction);
 *  - stalls: a direction stops forwarding for a while, then resumes;
 *  - drops at random points: a chunk is lost and the connection cut, or half of
 *    it is forwarded first (a frame cut mid-way), or it is forwarded and then the
 *    connection is cut. A server→client drop is exactly "the server stored the
 *    message, the ack never arrived";
 *  - refusal: for a while (or while offline) new connections are reset at once.
 *
 * With several server nodes the proxy is also the device's load balancer: a new connection goes
 * to the first node of `route()` that accepts it (a killed node refuses at once), as a real LB
 * fails over. A `tap` sees every byte as it is handed to the node and as it comes from it.
 */
import net from 'node:net';
import { CLEAN, type ConnTap, type Direction, type DropMode, type FaultProfile, type ProxyEvent, type Upstream } from './proxy-types.ts';
import type { Rng } from './rng.ts';

export { CLEAN } from './proxy-types.ts';
export type { ConnTap, FaultProfile, ProxyEvent, Upstream } from './proxy-types.ts';

interface Item {
  at: number;
  data: Buffer | null; // null: the source ended, forward the end
  cutAfter?: DropMode;
}

interface Pipe {
  queue: Item[];
  timer: NodeJS.Timeout | null;
  lastAt: number;
  rng: Rng;
}

interface Conn {
  id: number;
  client: net.Socket;
  /** The current attempt, then the connection to the node that accepted. */
  server: net.Socket;
  /** Connected to a node: client→server bytes wait until then (a failed attempt would lose them). */
  ready: boolean;
  node: number;
  tap: ConnTap | null;
  pipes: Record<Direction, Pipe>;
  dead: boolean;
  /** An upload request (POST /api/attachments) went up and no response has come down yet. */
  uploading?: boolean;
}

export interface FaultProxyOptions {
  name: string;
  targetPort: number;
  targetHost?: string;
  rng: Rng;
  profile?: FaultProfile;
  onEvent?: (proxy: string, e: ProxyEvent) => void;
  /** The clock of refusal windows (refuseFor); tests pin it. Default Date.now. */
  now?: () => number;
  /** Nodes to try, in order, for each new connection (default: targetPort only). */
  route?: () => Upstream[];
  /** Called when a connection reaches a node; its tap then sees the connection's bytes. */
  tap?: (node: number) => ConnTap;
}

export class FaultProxy {
  readonly name: string;
  private readonly targetPort: number;
  private readonly targetHost: string;
  private readonly rng: Rng;
  private readonly onEvent: (proxy: string, e: ProxyEvent) => void;
  private readonly now: () => number;
  private readonly route: () => Upstream[];
  private readonly tapFor: ((node: number) => ConnTap) | undefined;
  private profile: FaultProfile;
  private server: net.Server | null = null;
  private readonly conns = new Set<Conn>();
  private nextId = 0;
  private refuseUntil = 0;
  private offline = false;
  readonly stats = { connections: 0, refused: 0, cuts: 0, stalls: 0, chunks: 0, bytesUp: 0, bytesDown: 0, refreshes: 0, failovers: 0, uploads: 0, uploadsCut: 0 };
  port = 0;

  constructor(options: FaultProxyOptions) {
    this.name = options.name;
    this.targetPort = options.targetPort;
    this.targetHost = options.targetHost ?? '127.0.0.1';
    this.rng = options.rng;
    this.profile = options.profile ?? CLEAN;
    this.onEvent = options.onEvent ?? (() => {});
    this.now = options.now ?? Date.now;
    this.route = options.route ?? (() => [{ port: this.targetPort, node: 0 }]);
    this.tapFor = options.tap;
  }

  async listen(port = 0): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  setProfile(profile: FaultProfile): void {
    this.profile = profile;
  }

  /** Offline: every open connection is cut and new ones are reset until back online. */
  setOffline(offline: boolean): void {
    this.offline = offline;
    if (offline) this.cutAll('offline');
  }

  isOffline(): boolean {
    return this.offline;
  }

  /** Resets new connections for `ms` (a flapping network, a server that is "down" to this device). */
  refuseFor(ms: number): void {
    this.refuseUntil = Math.max(this.refuseUntil, this.now() + ms);
  }

  /** Faults stop: a clean profile, online, and no refusal window left. */
  heal(): void {
    this.profile = CLEAN;
    this.offline = false;
    this.refuseUntil = 0;
  }

  cutAll(reason: string): void {
    const count = this.conns.size;
    for (const c of [...this.conns]) this.kill(c, this.rng.chance(0.5));
    if (count > 0) this.onEvent(this.name, { kind: 'cut-all', count, reason });
  }

  async close(): Promise<void> {
    this.offline = true;
    for (const c of [...this.conns]) this.kill(c, false);
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const id = this.nextId++;
    client.setNoDelay(true);
    if (this.offline || this.now() < this.refuseUntil) {
      this.stats.refused++;
      this.onEvent(this.name, { kind: 'refused', conn: id });
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.stats.connections++;
    // Each connection and direction gets its own stream, derived from the proxy's
    // seed and the connection's number, so timing elsewhere does not shift it.
    const connRng = this.rng.derive(`conn:${id}`);
    const pipe = (dir: Direction): Pipe => ({ queue: [], timer: null, lastAt: 0, rng: connRng.derive(dir) });
    const conn: Conn = { id, client, server: null as unknown as net.Socket, ready: false, node: -1, tap: null, pipes: { up: pipe('up'), down: pipe('down') }, dead: false };
    this.conns.add(conn);

    client.on('data', (d: Buffer) => this.onData(conn, 'up', d));
    client.on('end', () => this.enqueue(conn, 'up', { at: 0, data: null }));
    // An error or close on either side ends the pair: the proxy never half-heals a connection.
    client.on('error', () => this.kill(conn, false));
    client.on('close', () => this.kill(conn, false));
    this.connectUpstream(conn, this.route(), 0);
  }

  /** Tries `upstreams[k]`; a refused attempt moves on to the next node, as a load balancer would. */
  private connectUpstream(conn: Conn, upstreams: Upstream[], k: number): void {
    const target = upstreams[k]!;
    const server = net.connect({ port: target.port, host: this.targetHost });
    server.setNoDelay(true);
    conn.server = server;
    conn.node = target.node;
    let connected = false;
    server.once('connect', () => {
      connected = true;
      if (conn.dead) return;
      conn.ready = true;
      if (k > 0) {
        this.stats.failovers++;
        this.onEvent(this.name, { kind: 'failover', conn: conn.id, node: target.node });
      }
      conn.tap = this.tapFor?.(target.node) ?? null;
      this.pump(conn, 'up');
    });
    server.on('data', (d: Buffer) => {
      conn.tap?.down(d);
      this.onData(conn, 'down', d);
    });
    server.on('end', () => this.enqueue(conn, 'down', { at: 0, data: null }));
    server.on('error', () => {
      if (!connected && !conn.dead && k + 1 < upstreams.length) {
        server.destroy();
        this.connectUpstream(conn, upstreams, k + 1);
        return;
      }
      this.kill(conn, false);
    });
    server.on('close', () => {
      if (conn.server === server) this.kill(conn, false);
    });
  }

  private onData(conn: Conn, dir: Direction, data: Buffer): void {
    if (conn.dead) return;
    this.stats.chunks++;
    if (dir === 'up') {
      this.stats.bytesUp += data.length;
      this.noteAuth(conn, data);
      if (data.indexOf('POST /api/attachments') >= 0) {
        this.stats.uploads++;
        conn.uploading = true;
      }
    } else {
      this.stats.bytesDown += data.length;
      // The answer's status line: the upload request ended (keep-alive may carry another).
      if (conn.uploading && data.indexOf('HTTP/1.1 ') === 0) conn.uploading = false;
    }
    const p = this.profile;
    const pipe = conn.pipes[dir];
    const r = pipe.rng;
    // Draw every number for every chunk, whatever the profile, so switching
    // profiles mid-connection does not realign the stream.
    const dropRoll = r.next();
    const mode = r.pick(['before', 'partial', 'after'] as const);
    const stallRoll = r.next();
    const stallMs = r.int(p.stallMs[0], p.stallMs[1]);
    const jitter = r.next() * p.jitterMs;
    const now = Date.now();
    let at = now + p.latencyMs + jitter;
    if (stallRoll < p.stallPerChunk && stallMs > 0) {
      this.stats.stalls++;
      this.onEvent(this.name, { kind: 'stall', conn: conn.id, dir, ms: stallMs });
      at += stallMs;
    }
    const item: Item = { at, data };
    if (dropRoll < p.dropPerChunk) item.cutAfter = mode;
    this.enqueue(conn, dir, item);
  }

  /** Client→server WebSocket frames are masked, so only a plain HTTP request line can match. */
  private noteAuth(conn: Conn, data: Buffer): void {
    const at = data.indexOf('POST /api/auth/');
    if (at < 0) return;
    const request = data.subarray(at, at + 40).toString('latin1').split(' ').slice(0, 2).join(' ');
    if (request === 'POST /api/auth/refresh') this.stats.refreshes++;
    this.onEvent(this.name, { kind: 'auth', conn: conn.id, request });
  }

  private enqueue(conn: Conn, dir: Direction, item: Item): void {
    if (conn.dead) return;
    const pipe = conn.pipes[dir];
    // Later chunks never overtake earlier ones: TCP order is part of what we keep.
    item.at = Math.max(item.at, pipe.lastAt);
    pipe.lastAt = item.at;
    pipe.queue.push(item);
    this.pump(conn, dir);
  }

  private pump(conn: Conn, dir: Direction): void {
    const pipe = conn.pipes[dir];
    if (pipe.timer || (dir === 'up' && !conn.ready)) return;
    const target = dir === 'up' ? conn.server : conn.client;
    const write = (data: Buffer) => {
      if (dir === 'up') conn.tap?.up(data);
      target.write(data);
    };
    while (!conn.dead && pipe.queue.length > 0) {
      const head = pipe.queue[0]!;
      const wait = head.at - Date.now();
      if (wait > 0) {
        pipe.timer = setTimeout(() => {
          pipe.timer = null;
          this.pump(conn, dir);
        }, wait);
        return;
      }
      pipe.queue.shift();
      if (head.data === null) {
        target.end();
        continue;
      }
      if (head.cutAfter) {
        const bytes =
          head.cutAfter === 'before' ? 0 : head.cutAfter === 'partial' ? Math.floor(head.data.length / 2) : head.data.length;
        if (bytes > 0) write(head.data.subarray(0, bytes));
        this.stats.cuts++;
        this.onEvent(this.name, { kind: 'cut', conn: conn.id, dir, mode: head.cutAfter, bytes });
        // Let the partial write reach the kernel before tearing down.
        setImmediate(() => this.kill(conn, pipe.rng.chance(0.5)));
        conn.dead = true;
        return;
      }
      write(head.data);
    }
  }

  /** rst: send a TCP reset (abrupt) instead of a FIN (orderly close) — peers see different errors. */
  private kill(conn: Conn, rst: boolean): void {
    // Torn down before its answer: a cut mid-upload (a fault, an offline switch, a killed server).
    if (conn.uploading) this.stats.uploadsCut++;
    conn.uploading = false;
    conn.dead = true;
    conn.tap?.close();
    conn.tap = null;
    if (!this.conns.delete(conn)) {
      // Already removed; the sockets may still need tearing down after a deferred cut.
      if (!conn.client.destroyed) conn.client.destroy();
      if (!conn.server.destroyed) conn.server.destroy();
      return;
    }
    for (const pipe of Object.values(conn.pipes)) {
      if (pipe.timer) clearTimeout(pipe.timer);
      pipe.timer = null;
      pipe.queue.length = 0;
    }
    for (const s of [conn.client, conn.server]) {
      if (s.destroyed) continue;
      if (rst && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
