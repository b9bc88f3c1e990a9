import { EventEmitter } from 'node:events';

/**
 * Whether this node's links to Redis (the adapter's publisher and subscriber, the
 * liveness connection) are all up, and the moments that matter: the first link lost
 * (`lost`), every link back (`recovered`). ioredis reconnects by itself; this only
 * watches its events, so it is tested with plain emitters (link-health.test.ts).
 */

/** The part of an ioredis client this needs ('ready': connected, subscribed again; 'close'/'end': gone). */
export interface LinkEvents {
  on(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
  readonly status?: string;
}

export interface LinkHealthHooks {
  /** The first link went down (once per outage). */
  lost(down: string[]): void;
  /** Every link is up again after an outage. */
  recovered(outageMs: number): void;
}

export class LinkHealth {
  private readonly down = new Set<string>();
  private lostAt: number | null = null;
  private upSince: number | null;
  private stopped = false;

  constructor(
    links: Record<string, LinkEvents>,
    private readonly hooks: LinkHealthHooks,
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, link] of Object.entries(links)) {
      if (link.status !== undefined && link.status !== 'ready') this.down.add(name);
      link.on('ready', () => this.up(name));
      link.on('close', () => this.gone(name));
      link.on('end', () => this.gone(name));
    }
    this.upSince = this.down.size === 0 ? this.now() : null;
  }

  /** Every link up now. */
  get healthy(): boolean {
    return this.down.size === 0;
  }

  /** Since when every link has been up without a break; null while one is down. */
  get linkUpSince(): number | null {
    return this.upSince;
  }

  /** This node is stopping and closes its links itself: that is no outage. */
  stop(): void {
    this.stopped = true;
  }

  private gone(name: string): void {
    if (this.stopped) return;
    const wasHealthy = this.down.size === 0;
    this.down.add(name);
    this.upSince = null;
    if (!wasHealthy) return;
    this.lostAt = this.now();
    this.hooks.lost([...this.down]);
  }

  private up(name: string): void {
    if (this.stopped) return;
    if (!this.down.delete(name) || this.down.size > 0) return;
    const now = this.now();
    this.upSince = now;
    const outageMs = this.lostAt === null ? 0 : now - this.lostAt;
    this.lostAt = null;
    this.hooks.recovered(outageMs);
  }
}

/**
 * A link that goes down after `allowedMisses` failed heartbeats in a row and comes up at the
 * next success. It catches a Redis that stops answering without closing the connection (a
 * network that drops packets: ioredis then sees no `close` for minutes); one slow heartbeat
 * (an event loop stall) is not an outage, since every outage costs each device a catch-up.
 */
export class HeartbeatLink extends EventEmitter implements LinkEvents {
  status = 'ready';
  private misses = 0;

  constructor(private readonly allowedMisses = 2) {
    super();
  }

  beat(ok: boolean): void {
    if (ok) {
      this.misses = 0;
      if (this.status === 'ready') return;
      this.status = 'ready';
      this.emit('ready');
    } else if (++this.misses === this.allowedMisses) {
      this.status = 'down';
      this.emit('close');
    }
  }
}
