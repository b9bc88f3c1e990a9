/** The proxy's vocabulary (proxy.ts): fault profiles, what it reports, where it connects, what a tap sees. */

export type Direction = 'up' | 'down';
export type DropMode = 'before' | 'partial' | 'after';

export interface FaultProfile {
  /** One-way delay added to every chunk (ms). */
  latencyMs: number;
  /** Extra uniform delay in [0, jitterMs] per chunk. */
  jitterMs: number;
  /** Probability that a chunk triggers a cut of its connection. */
  dropPerChunk: number;
  /** Probability that a chunk starts a stall of its direction. */
  stallPerChunk: number;
  stallMs: readonly [number, number];
}

export const CLEAN: FaultProfile = { latencyMs: 0, jitterMs: 0, dropPerChunk: 0, stallPerChunk: 0, stallMs: [0, 0] };

export type ProxyEvent =
  | { kind: 'cut'; conn: number; dir: Direction; mode: DropMode; bytes: number }
  | { kind: 'stall'; conn: number; dir: Direction; ms: number }
  | { kind: 'refused'; conn: number }
  /** A request to /api/auth/* left the device (refresh, login, logout): sessions are part of the story. */
  | { kind: 'auth'; conn: number; request: string }
  | { kind: 'cut-all'; count: number; reason: string }
  /** A connection went to another node than its first choice (that one refused it). */
  | { kind: 'failover'; conn: number; node: number };

/** A node a connection may go to. */
export interface Upstream {
  port: number;
  node: number;
}

/** Sees one connection's bytes: `up` as handed to the node, `down` as received from it. */
export interface ConnTap {
  up(data: Buffer): void;
  down(data: Buffer): void;
  close(): void;
}
