/**
 * A run's whole schedule, computed from the seed before anything starts. Ops
 * never depend on what the network did, so `--seed N --ops M` replays the same
 * ops in the same order; only timing inside the kernel and the engines varies.
 */
import { describeActionOp, isActionOp, type ActionOp } from './plan-actions.ts';
import { describeAttachmentOp, isAttachmentOp, type AttachmentOp } from './plan-attachments.ts';
import { describeMuteOp, isMuteOp, type MuteOp } from './plan-mutes.ts';
import { describeProfileOp, isProfileOp, type ProfileOp } from './plan-profiles.ts';
import { describeGroupOp, isGroupOp, type GroupOp } from './plan-groups.ts';
import type { FaultProfile } from './proxy.ts';
import type { Rng } from './rng.ts';

export interface WorldShape {
  /** devices[u] = number of devices of user u. */
  devices: number[];
  /**
   * Accounts without a device of their own (indices devices.length, devices.length + 1, …):
   * they sign in on someone else's device during an account switch.
   */
  spares: number;
}

export type Op =
  | { kind: 'send'; device: string; to: number; body: string }
  | { kind: 'read'; device: string; peer: number }
  | { kind: 'offline'; device: string }
  | { kind: 'online'; device: string }
  /** The engine's own switch (airplane mode, navigator.onLine): no network activity at all. */
  | { kind: 'net-off'; device: string }
  | { kind: 'net-on'; device: string }
  | { kind: 'reload'; device: string }
  | { kind: 'cut'; device: string }
  | { kind: 'refuse'; device: string; ms: number }
  | { kind: 'profile'; device: string; profile: ProfileName }
  /**
   * Account switch: the device signs out (keeping its data, so its unsent messages stay
   * queued for that account) and `account` signs in on the same database. The way back is
   * another switch, to the device's own user, a few ops later.
   */
  | { kind: 'switch'; device: string; account: number }
  | { kind: 'kill-server' }
  | { kind: 'start-server' }
  | { kind: 'pause'; ms: number }
  // 2 nodes only (plan-cluster.ts):
  | { kind: 'kill-node'; node: number }
  | { kind: 'start-node'; node: number }
  /** redis-server stops now and starts again on the same port `ms` later. */
  | { kind: 'redis-restart'; ms: number }
  /** The device's load balancer sends its new connections to `node` first; its open ones are cut. */
  | { kind: 'move'; device: string; node: number }
  /** The account signed in on the device starts typing to user `to` (the engine renews, then idles and stops). */
  | { kind: 'type'; device: string; to: number }
  // Groups (plan-groups.ts):
  | GroupOp
  // Message actions (plan-actions.ts):
  | ActionOp
  // Sends with files (plan-attachments.ts):
  | AttachmentOp
  // Mutes (plan-mutes.ts):
  | MuteOp
  // Profiles (plan-profiles.ts):
  | ProfileOp;

/** An op plus the wait before it, so bursts (gap 0) and quiet spells both happen. */
export interface PlannedOp {
  i: number;
  gapMs: number;
  op: Op;
}

export type ProfileName = keyof typeof PROFILES;

export const PROFILES = {
  clean: { latencyMs: 0, jitterMs: 0, dropPerChunk: 0, stallPerChunk: 0, stallMs: [0, 0] },
  lan: { latencyMs: 1, jitterMs: 4, dropPerChunk: 0.005, stallPerChunk: 0, stallMs: [0, 0] },
  // A connection carries few chunks (a Socket.io frame or two per op), so per-chunk odds
  // are high: at these rates most connections of a faulty device die within seconds.
  mobile: { latencyMs: 20, jitterMs: 60, dropPerChunk: 0.04, stallPerChunk: 0.03, stallMs: [200, 1500] },
  flaky: { latencyMs: 5, jitterMs: 30, dropPerChunk: 0.1, stallPerChunk: 0.04, stallMs: [100, 800] },
  // Long stalls outlast an ack timeout: the client gives up and resends while the
  // first copy is still on its way — the classic source of duplicates.
  stalling: { latencyMs: 10, jitterMs: 20, dropPerChunk: 0.02, stallPerChunk: 0.12, stallMs: [1000, 7000] },
} satisfies Record<string, FaultProfile>;

const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export const deviceName = (user: number, device: number) => `u${user}d${device}`;
/** The user a device belongs to (deviceName's inverse). */
export const userOfDevice = (device: string): number => Number(/^u(\d+)d/.exec(device)![1]);

export function makeShape(rng: Rng): WorldShape {
  const users = rng.int(3, 4);
  const devices = Array.from({ length: users }, () => rng.int(1, 2));
  // At least one user with two devices: multi-device fan-out is where sync bugs hide.
  if (!devices.includes(2)) devices[rng.int(0, users - 1)] = 2;
  // From its own stream (as every draw about accounts), so the devices and ops of a seed are
  // the ones it had before account switches existed.
  return { devices, spares: rng.derive('spares').int(1, 2) };
}

/**
 * Access-token lifetimes (s) the server runs with (ACCESS_TOKEN_TTL). A device refreshes
 * after half of a short lifetime, so every device refreshes every 1–2 s: many times per
 * run, during partitions, stalls, cuts and server restarts alike.
 */
export const TOKEN_TTLS_S = [2, 3, 4] as const;

export interface Plan {
  shape: WorldShape;
  initialProfiles: Record<string, ProfileName>;
  /** ACCESS_TOKEN_TTL of the server, seconds. */
  tokenTtlS: number;
  ops: PlannedOp[];
  /** Server nodes (1 unless plan-cluster.ts made it a 2-node plan). */
  nodes: number;
  /** 2 nodes: the node each device's load balancer tries first at the start. */
  homes: Record<string, number>;
}

/** Bodies are unique per run and include non-ASCII so a frame cut mid-character is possible. */
const FLAVOURS = ['hi', 'ok 👍', 'where r u?', 'Grüße', 'on my way 🚲', 'ça va', '明天见', 'lol'];

export function makePlan(rng: Rng, opCount: number): Plan {
  const shape = makeShape(rng);
  const devices: { name: string; user: number }[] = [];
  shape.devices.forEach((n, u) => {
    for (let d = 0; d < n; d++) devices.push({ name: deviceName(u, d), user: u });
  });
  const users = shape.devices.length;
  const initialProfiles: Record<string, ProfileName> = {};
  for (const d of devices) initialProfiles[d.name] = rng.pick(PROFILE_NAMES);
  // Its own stream, so the token lifetime does not shift the ops.
  const tokenTtlS = rng.derive('tokens').pick(TOKEN_TTLS_S);
  // Everything about accounts (switches, guests, spare peers) draws from this stream, so each
  // seed keeps the faults, sends and reads it had before; switches come in between.
  const aux = rng.derive('accounts');
  /** Who each device is signed in as (account index); a device away is switched back later. */
  const signedIn = new Map(devices.map((d) => [d.name, d.user]));
  /**
   * The peer of a send or read: `drawn` (a user other than the device's own, from the main
   * stream), or sometimes a spare account. A guest that drew itself writes to the device's owner.
   */
  const peerFor = (dev: { user: number }, me: number, drawn: number): number => {
    const spare = users + aux.int(0, shape.spares - 1);
    if (aux.chance(0.15) && spare !== me) return spare;
    return drawn === me ? dev.user : drawn;
  };

  // Outages are bounded: going offline (proxy or engine switch) or killing the server
  // schedules the way back a few ops later, so devices spend most of the run online
  // and under the network faults, not parked offline.
  const offline = new Set<string>();
  const netOff = new Set<string>();
  let serverDown = false;
  const comeback: { at: number; op: Op }[] = [];
  const ops: PlannedOp[] = [];
  let i = 0;
  /** Ops of the main stream so far: comebacks count in these, so inserted switches shift no fault. */
  let mainOps = 0;
  const push = (op: Op, gapMs: number) => ops.push({ i: i++, gapMs, op });
  const later = (op: Op, min: number, max: number, r: Rng = rng) => comeback.push({ at: mainOps + r.int(min, max), op });

  /**
   * An account switch on `dev` (when its own user is signed in): a spare account or another user
   * of the world signs in (that user then has one more device for a while), and 2–30 ops later
   * the device's own user again. Often with sends of the leaving account right before (still in
   * the outbox, or on their way, at the sign-out) and of the arriving one right after.
   */
  const switchAway = (dev: { name: string; user: number }) => {
    const me = signedIn.get(dev.name)!;
    if (me !== dev.user) return;
    let other = aux.int(0, users - 2);
    if (other >= dev.user) other++;
    const account = aux.chance(0.6) ? users + aux.int(0, shape.spares - 1) : other;
    const burst = (from: number, n: number, gap: () => number) => {
      for (let k = 0; k < n && i < opCount; k++) {
        let to = aux.int(0, users - 2);
        if (to >= dev.user) to++;
        push({ kind: 'send', device: dev.name, to: peerFor(dev, from, to), body: `${aux.pick(FLAVOURS)} #${i}` }, gap());
      }
    };
    burst(me, aux.chance(0.5) ? aux.int(1, 2) : 0, () => 0);
    if (i >= opCount) return;
    signedIn.set(dev.name, account);
    push({ kind: 'switch', device: dev.name, account }, aux.int(0, 60));
    burst(account, aux.chance(0.7) ? aux.int(1, 3) : 0, () => aux.int(0, 100));
    later({ kind: 'switch', device: dev.name, account: dev.user }, 2, 30, aux);
  };

  while (i < opCount) {
    const due = comeback.findIndex((c) => c.at <= mainOps);
    if (due >= 0) {
      const { op } = comeback.splice(due, 1)[0]!;
      if (op.kind === 'start-server') serverDown = false;
      if (op.kind === 'online') offline.delete(op.device);
      if (op.kind === 'net-on') netOff.delete(op.device);
      if (op.kind === 'switch') signedIn.set(op.device, op.account);
      push(op, (op.kind === 'switch' ? aux : rng).int(0, 50));
      if (op.kind !== 'switch') mainOps++;
      continue;
    }
    // About four switches per 200 ops, each with a few sends around it.
    if (aux.chance(0.02)) {
      switchAway(aux.pick(devices));
      continue;
    }
    mainOps++;
    const gapMs = rng.chance(0.3) ? 0 : rng.int(1, 60);
    const dev = rng.pick(devices);
    const me = signedIn.get(dev.name)!;
    const kind = rng.weighted({
      send: 45,
      read: 12,
      offline: offline.has(dev.name) ? 0 : 4,
      airplane: netOff.has(dev.name) ? 0 : 2,
      reload: 4,
      cut: 5,
      refuse: 3,
      profile: 5,
      kill: serverDown ? 0 : 1.2,
      pause: 6,
    });
    switch (kind) {
      case 'send': {
        let to = rng.int(0, users - 2);
        if (to >= dev.user) to++;
        // `me`: the account signed in on the device (its own user, or a guest for a while).
        push({ kind: 'send', device: dev.name, to: peerFor(dev, me, to), body: `${rng.pick(FLAVOURS)} #${i}` }, gapMs);
        break;
      }
      case 'read': {
        let peer = rng.int(0, users - 2);
        if (peer >= dev.user) peer++;
        push({ kind: 'read', device: dev.name, peer: peerFor(dev, me, peer) }, gapMs);
        break;
      }
      case 'offline':
        offline.add(dev.name);
        push({ kind: 'offline', device: dev.name }, gapMs);
        later({ kind: 'online', device: dev.name }, 2, 30);
        break;
      case 'airplane':
        netOff.add(dev.name);
        push({ kind: 'net-off', device: dev.name }, gapMs);
        later({ kind: 'net-on', device: dev.name }, 2, 30);
        break;
      case 'reload':
        push({ kind: 'reload', device: dev.name }, gapMs);
        break;
      case 'cut':
        push({ kind: 'cut', device: dev.name }, gapMs);
        break;
      case 'refuse':
        push({ kind: 'refuse', device: dev.name, ms: rng.int(200, 3000) }, gapMs);
        break;
      case 'profile':
        push({ kind: 'profile', device: dev.name, profile: rng.pick(PROFILE_NAMES) }, gapMs);
        break;
      case 'kill':
        serverDown = true;
        push({ kind: 'kill-server' }, gapMs);
        later({ kind: 'start-server' }, 3, 40);
        break;
      case 'pause':
        push({ kind: 'pause', ms: rng.int(100, 1000) }, 0);
        break;
    }
  }
  // Comebacks left past the op budget are done by the heal phase (server up, all online,
  // every device signed in as its own user again).
  return { shape, initialProfiles, tokenTtlS, ops, nodes: 1, homes: Object.fromEntries(devices.map((d) => [d.name, 0])) };
}

export function describeOp(op: Op): string {
  if (isGroupOp(op)) return describeGroupOp(op);
  if (isActionOp(op)) return describeActionOp(op);
  if (isAttachmentOp(op)) return describeAttachmentOp(op);
  if (isMuteOp(op)) return describeMuteOp(op);
  if (isProfileOp(op)) return describeProfileOp(op);
  switch (op.kind) {
    case 'send':
      return `send ${op.device} → u${op.to} ${JSON.stringify(op.body)}`;
    case 'read':
      return `read ${op.device} with u${op.peer}`;
    case 'refuse':
      return `refuse ${op.device} ${op.ms}ms`;
    case 'switch':
      return `switch ${op.device} to u${op.account}`;
    case 'profile':
      return `profile ${op.device} ${op.profile}`;
    case 'pause':
      return `pause ${op.ms}ms`;
    case 'kill-server':
    case 'start-server':
      return op.kind;
    case 'kill-node':
    case 'start-node':
      return `${op.kind} ${op.node}`;
    case 'redis-restart':
      return `redis-restart ${op.ms}ms`;
    case 'move':
      return `move ${op.device} to node ${op.node}`;
    case 'type':
      return `type ${op.device} → u${op.to}`;
    default:
      return `${op.kind} ${op.device}`;
  }
}
