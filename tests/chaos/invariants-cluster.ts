/**
 * The 2-node checks, as pure functions over the run's cluster record (cluster-record.ts):
 *
 *  - `presence-heal` / `typing-heal`: 15 s after a node died, no device still shows one of that
 *    node's users online (its conversation list) or typing (the engine's `typing` events) when the
 *    user has had no socket on any node since the death;
 *  - `ack-latency`: a `send-message` handed to a surviving node while the other one was dying (from
 *    its kill until it is started again, at most 30 s) is acked within 2 s, measured at the proxy between the frame going to the node and the ack
 *    coming back (no device-side fault in it).
 *
 * The message invariants (no seq gap, exactly once, convergence) are the same as for one node
 * (invariants.ts): the server's history is read through the REST API of a node.
 */
import type { ClusterEvent, ClusterRecord, SendTiming, SocketSpan, ViewEvent } from './cluster-record.ts';
import type { Violation } from './check-input.ts';

export interface ClusterLimits {
  /** How long after a node's death its users' offline and typing-stopped may take to reach their peers. */
  healMs: number;
  /** An observing device counts only if its own connection was up for this long before the check (it could not hear otherwise). */
  observerOnlineMs: number;
  /** The longest acceptable ack of a surviving node. */
  ackMs: number;
  /**
   * A node is "dying" from its kill until it is started again, for at most this long. A send made
   * then is judged; its ack may come later (a 30 s lease frozen by the dead node shows as a
   * 28 s wait of a send made 2 s after the kill).
   */
  dyingWindowMs: number;
  /**
   * A survivor is a node that had been serving for this long when the other died. A node started
   * a moment before takes every failing-over device while it is still cold (seen: 1.2–2.9 s acks
   * in its first 5 s); that is a cold start, not a wait for the dead node.
   */
  survivorWarmMs: number;
}

export const CLUSTER_LIMITS: ClusterLimits = { healMs: 15_000, observerOnlineMs: 5_000, ackMs: 2_000, dyingWindowMs: 30_000, survivorWarmMs: 5_000 };

const kills = (rec: ClusterRecord) => rec.events.filter((e): e is ClusterEvent & { node: number } => e.kind === 'kill' && e.node !== undefined);

/** Users with a socket accepted by `node` and still open at `t`. */
export function usersOnNodeAt(sockets: readonly SocketSpan[], node: number, t: number): string[] {
  return [...new Set(sockets.filter((s) => s.node === node && s.from <= t && (s.to === null || s.to >= t)).map((s) => s.userId))].filter((u) => u !== '?');
}

/**
 * Whether `user` had a socket anywhere during (from, to]: a socket open at `from` on another
 * node, or one accepted after `from` on any node. Sockets of the dead node open at `from` died
 * with it, whatever moment the proxy noticed.
 */
export function hadSocket(sockets: readonly SocketSpan[], user: string, deadNode: number, from: number, to: number): boolean {
  return sockets.some(
    (s) => s.userId === user && s.from < to && (s.to === null || s.to > from) && (s.from > from || s.node !== deadNode),
  );
}

/** A device's view at `t`: the last value of each key since its last reset. */
function viewAt<T>(views: readonly ViewEvent[], device: string, t: number, pick: (v: ViewEvent) => [string, T] | null): Map<string, T> {
  const out = new Map<string, T>();
  for (const v of views) {
    if (v.t > t) break;
    if (v.device !== device) continue;
    if (v.kind === 'reset') out.clear();
    const kv = pick(v);
    if (kv) out.set(kv[0], kv[1]);
  }
  return out;
}

/** The device's connection was 'online' during the whole of [from, to] (a closed engine is not). */
export function onlineThroughout(views: readonly ViewEvent[], device: string, from: number, to: number): boolean {
  let state = 'closed';
  for (const v of views) {
    if (v.device !== device) continue;
    if (v.t > to) break;
    const next = v.kind === 'connection' ? v.state : v.kind === 'reset' && v.why === 'closed' ? 'closed' : null;
    if (next === null) continue;
    if (v.t <= from) state = next;
    else if (next !== 'online') return false;
  }
  return state === 'online';
}

/**
 * When a node's death must have healed: 15 s after it, or 15 s after the end of a Redis outage
 * that overlaps that time (liveness lives in Redis; an outage is its own fault, with its own
 * promise: degraded, then caught up), whichever is later.
 */
export function healDeadline(rec: ClusterRecord, kill: ClusterEvent, limits: ClusterLimits = CLUSTER_LIMITS): number {
  let at = kill.t + limits.healMs;
  for (const [from, to] of redisOutages(rec)) if (from <= at && to >= kill.t) at = Math.max(at, to + limits.healMs);
  return at;
}

export function checkPresenceHeal(rec: ClusterRecord, limits: ClusterLimits = CLUSTER_LIMITS): Violation[] {
  const out: Violation[] = [];
  const devices = [...new Set(rec.views.map((v) => v.device))];
  for (const k of kills(rec)) {
    const at = healDeadline(rec, k, limits);
    if (at > rec.end) continue; // the run ended first (the harness waits past the last kill's bound)
    for (const user of usersOnNodeAt(rec.sockets, k.node, k.t)) {
      if (hadSocket(rec.sockets, user, k.node, k.t, at)) continue;
      for (const d of devices) {
        if (!onlineThroughout(rec.views, d, at - limits.observerOnlineMs, at)) continue;
        const presence = viewAt(rec.views, d, at, (v) => (v.kind === 'presence' ? [v.peer, v.online] : null));
        if (presence.get(user) === true) {
          out.push({
            invariant: 'presence-heal',
            message: `${d} still shows ${user} online ${at - k.t} ms after node ${k.node} died (killed at ${k.t} ms); ${user} has had no socket on any node since, and ${d} was connected the last ${limits.observerOnlineMs} ms`,
            around: { device: d, t: at },
          });
        }
        const typing = viewAt(rec.views, d, at, (v) => (v.kind === 'typing' ? [`${v.peer} in ${v.conversationId}`, v.typing] : null));
        for (const [what, on] of typing) {
          if (on && what.startsWith(`${user} in `)) {
            out.push({
              invariant: 'typing-heal',
              message: `${d} still shows ${what} typing ${at - k.t} ms after node ${k.node} died (killed at ${k.t} ms); ${user} has had no socket on any node since`,
              around: { device: d, t: at },
            });
          }
        }
      }
    }
  }
  return out;
}

/** Redis down intervals [stop, start] (an open one lasts until the end of the record). */
function redisOutages(rec: ClusterRecord): [number, number][] {
  const out: [number, number][] = [];
  let down: number | null = null;
  for (const e of rec.events) {
    if (e.kind === 'redis-stop' && down === null) down = e.t;
    if (e.kind === 'redis-start' && down !== null) {
      out.push([down, e.t]);
      down = null;
    }
  }
  if (down !== null) out.push([down, rec.end]);
  return out;
}

/** How long a send waited for its ack; null when its connection closed first, too early to say. */
export function ackWait(s: SendTiming, end: number, limitMs: number): number | null {
  if (s.ackAt !== null) return s.ackAt - s.at;
  const waited = (s.closedAt ?? end) - s.at;
  return waited > limitMs ? waited : null;
}

/** [kill, restart or kill + dyingWindowMs] of each kill. */
function dyingWindows(rec: ClusterRecord, limits: ClusterLimits): { kill: ClusterEvent & { node: number }; until: number }[] {
  return kills(rec).map((kill) => {
    const back = rec.events.find((e) => e.kind === 'start' && e.node === kill.node && e.t > kill.t);
    return { kill, until: Math.min(back?.t ?? Infinity, kill.t + limits.dyingWindowMs) };
  });
}

/** When `node` was last started before `t` (-Infinity: never). */
function startedBefore(rec: ClusterRecord, node: number, t: number): number {
  return Math.max(-Infinity, ...rec.events.filter((e) => e.kind === 'start' && e.node === node && e.t <= t).map((e) => e.t));
}

/** The sends `checkAckLatency` judges: made on a warm survivor while the other node was dying, outside Redis outages. */
export function sendsWhileDying(rec: ClusterRecord, limits: ClusterLimits = CLUSTER_LIMITS): { send: SendTiming; kill: ClusterEvent & { node: number } }[] {
  const outages = redisOutages(rec);
  const windows = dyingWindows(rec, limits);
  const out: { send: SendTiming; kill: ClusterEvent & { node: number } }[] = [];
  for (const s of rec.sends) {
    const kill = windows.find(
      (w) => w.kill.node !== s.node && s.at >= w.kill.t && s.at <= w.until && startedBefore(rec, s.node, w.kill.t) <= w.kill.t - limits.survivorWarmMs,
    )?.kill;
    if (!kill) continue;
    // A Redis outage is its own fault (checked by convergence), not the dying node's.
    if (outages.some(([a, b]) => a <= s.at + limits.ackMs && b >= s.at)) continue;
    out.push({ send: s, kill });
  }
  return out;
}

export function checkAckLatency(rec: ClusterRecord, limits: ClusterLimits = CLUSTER_LIMITS): Violation[] {
  const out: Violation[] = [];
  for (const { send: s, kill } of sendsWhileDying(rec, limits)) {
    const wait = ackWait(s, rec.end, limits.ackMs);
    if (wait === null || wait <= limits.ackMs) continue;
    out.push({
      invariant: 'ack-latency',
      message:
        `${s.device} sent ${s.userId}:${s.clientId} to node ${s.node} at ${s.at} ms, ${s.at - kill.t} ms after node ${kill.node} was killed: ` +
        (s.ackAt !== null ? `acked after ${wait} ms` : `no ack for ${wait} ms${s.closedAt !== null ? ' (then the connection closed)' : ''}`) +
        ` (limit ${limits.ackMs} ms)`,
      keys: [`${s.userId}:${s.clientId}`],
      around: { device: s.device, t: s.at },
    });
  }
  return out;
}

/**
 * `typing-heal` on the wire: a socket still open 15 s after a node died, whose last typing event
 * about one of that node's users (who has had no socket anywhere since) is `typing`, never got
 * the `typing-stopped` (the engine's own expiry hides this from the device view).
 */
export function checkWireTyping(rec: ClusterRecord, limits: ClusterLimits = CLUSTER_LIMITS): Violation[] {
  const out: Violation[] = [];
  for (const k of kills(rec)) {
    const at = healDeadline(rec, k, limits);
    if (at > rec.end) continue;
    for (const user of usersOnNodeAt(rec.sockets, k.node, k.t)) {
      if (hadSocket(rec.sockets, user, k.node, k.t, at)) continue;
      rec.sockets.forEach((s, i) => {
        if (s.from > at || (s.to !== null && s.to <= at)) return;
        const last = rec.wireTyping.filter((w) => w.socket === i && w.peer === user && w.t <= at).at(-1);
        if (last?.typing) {
          out.push({
            invariant: 'typing-heal',
            message: `node ${s.node} sent ${s.device}'s socket 'typing' from ${user} at ${last.t} ms and no 'typing-stopped' by ${at} ms, ${at - k.t} ms after node ${k.node} died (killed at ${k.t} ms); ${user} has had no socket on any node since`,
            around: { device: s.device, t: at },
          });
        }
      });
    }
  }
  return out;
}

export function checkCluster(rec: ClusterRecord, limits: ClusterLimits = CLUSTER_LIMITS): Violation[] {
  return [...checkPresenceHeal(rec, limits), ...checkWireTyping(rec, limits), ...checkAckLatency(rec, limits)];
}

/** Figures for the run's line: acks judged, the slowest, and how many kills the presence check covered. */
export function clusterFigures(rec: ClusterRecord, limits: ClusterLimits = CLUSTER_LIMITS) {
  const judged = sendsWhileDying(rec, limits);
  const waits = judged.map((j) => ackWait(j.send, rec.end, limits.ackMs)).filter((w): w is number => w !== null);
  const all = rec.sends.map((s) => (s.ackAt === null ? null : s.ackAt - s.at)).filter((w): w is number => w !== null);
  const ks = kills(rec);
  const receiptWaits = rec.receipts.map((r) => (r.ackAt === null ? null : r.ackAt - r.at)).filter((w): w is number => w !== null);
  return {
    socketSends: rec.sends.length,
    /** Receipts over the sockets, the slowest ack, and those whose connection closed before their ack. */
    receipts: rec.receipts.length,
    slowestReceiptAckMs: receiptWaits.length > 0 ? Math.max(...receiptWaits) : 0,
    receiptsUnanswered: rec.receipts.filter((r) => r.ackAt === null).length,
    slowestAckMs: all.length > 0 ? Math.max(...all) : 0,
    acksWhileDying: waits.length,
    slowestAckWhileDyingMs: waits.length > 0 ? Math.max(...waits) : 0,
    presenceUsersChecked: ks
      .filter((k) => healDeadline(rec, k, limits) <= rec.end)
      .reduce((n, k) => n + usersOnNodeAt(rec.sockets, k.node, k.t).filter((u) => !hadSocket(rec.sockets, u, k.node, k.t, healDeadline(rec, k, limits))).length, 0),
  };
}
