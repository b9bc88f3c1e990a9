/**
 * A 2-node run's schedule: the 1-node plan of the same seed (plan.ts), with the server's faults
 * turned into the cluster's and more added, all drawn from the seed's `cluster` stream (so the
 * 1-node plan of a seed never changes):
 *
 *  - every `kill-server` becomes a SIGKILL of one node (either), and more kills come at random
 *    instants; never both nodes down at once, so there is always a survivor to judge;
 *  - a kill lands in the middle of a burst of sends (gap 0): commits are in flight on the node;
 *  - often 1–2 devices of the dying node type just before and lose their network with it for
 *    16–22 s (a phone on the node's side of a partition): their users then have no socket
 *    anywhere, which is when presence and typing must heal by themselves;
 *  - Redis restarts (stopped 2–6 s, one per 150 ops, at least one);
 *  - devices move between nodes (their load balancer's choice), and type to peers.
 */
import { userOfDevice, type Op, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

const FLAVOURS = ['burst', 'mid-commit ⚡', 'über', 'ça', '快'];

export function clusterPlan(base: Plan, rng: Rng): Plan {
  const devices = Object.keys(base.initialProfiles);
  const users = base.shape.devices.length;
  const offset = rng.int(0, 1);
  const homes: Record<string, number> = Object.fromEntries(devices.map((d, k) => [d, (k + offset) % 2]));
  const initialHomes = { ...homes };
  const out: Omit<PlannedOp, 'i'>[] = [];
  const push = (op: Op, gapMs: number) => out.push({ op, gapMs });
  /** Who is signed in on each device (account switches of the base plan): nobody writes to themselves. */
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  const peer = (device: string) => {
    const me = signedIn.get(device)!;
    if (me >= users) return rng.int(0, users - 1); // a spare account: any user is someone else
    let to = rng.int(0, users - 2);
    if (to >= me) to++;
    return to;
  };
  let sent = 0;

  /** Typists that lose their network with the node, a burst of sends, the kill in its middle. */
  const killWithBurst = (node: number, gapMs: number) => {
    const onNode = devices.filter((d) => homes[d] === node);
    const lose = rng.chance(0.6) && onNode.length > 0 ? [...new Set([rng.pick(onNode), rng.pick(onNode)])].slice(0, rng.int(1, 2)) : [];
    for (const d of lose) push({ kind: 'type', device: d, to: peer(d) }, gapMs);
    if (lose.length > 0) push({ kind: 'pause', ms: rng.int(150, 400) }, 0);
    for (let k = rng.int(1, 4); k > 0; k--) {
      const d = rng.pick(devices);
      push({ kind: 'send', device: d, to: peer(d), body: `${rng.pick(FLAVOURS)} #c${sent++}` }, lose.length === 0 ? gapMs : 0);
      gapMs = 0;
    }
    push({ kind: 'kill-node', node }, 0);
    for (const d of lose) push({ kind: 'refuse', device: d, ms: rng.int(16_000, 22_000) }, 0);
  };

  const redisAt = new Set<number>();
  const restarts = Math.max(1, Math.round(base.ops.length / 150));
  while (redisAt.size < restarts && base.ops.length > 20) redisAt.add(rng.int(10, base.ops.length - 10));

  let down: number | null = null;
  /** The node the 1-node plan's kill took down (its `start-server` restarts it). */
  let planDown: number | null = null;
  /** Restarts of the extra kills, due at an index of `out`. */
  let due: { at: number; node: number } | null = null;
  const restart = (node: number, gapMs: number) => {
    push({ kind: 'start-node', node }, gapMs);
    down = null;
    due = null;
  };

  base.ops.forEach((p, j) => {
    if (due && due.at <= out.length) restart(due.node, rng.int(0, 50));
    if (redisAt.has(j)) push({ kind: 'redis-restart', ms: rng.int(2_000, 6_000) }, rng.int(0, 50));
    if (p.op.kind === 'kill-server') {
      if (down !== null) restart(down, 0);
      const node = rng.int(0, 1);
      killWithBurst(node, p.gapMs);
      down = planDown = node;
      return;
    }
    if (p.op.kind === 'start-server') {
      if (planDown !== null && down === planDown) restart(planDown, p.gapMs);
      planDown = null;
      return;
    }
    push(p.op, p.gapMs);
    if (p.op.kind === 'switch') signedIn.set(p.op.device, p.op.account);
    if (down === null && rng.chance(0.012)) {
      const node = rng.int(0, 1);
      killWithBurst(node, rng.int(0, 60));
      down = node;
      due = { at: out.length + rng.int(3, 40), node };
    }
    if (rng.chance(0.015)) {
      const d = rng.pick(devices);
      homes[d] = 1 - homes[d]!;
      push({ kind: 'move', device: d, node: homes[d]! }, rng.int(0, 60));
    }
    if (rng.chance(0.04)) {
      const d = rng.pick(devices);
      push({ kind: 'type', device: d, to: peer(d) }, rng.int(0, 60));
    }
  });
  // A node still down, Redis still stopped: the heal brings them back.
  return { ...base, nodes: 2, homes: initialHomes, ops: out.map((o, i) => ({ i, ...o })) };
}
