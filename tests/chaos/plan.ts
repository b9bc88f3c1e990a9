/**
 * A run's whole schedule, computed from the seed before anything starts. Ops
 * never depend on what the network did, so `--seed N --ops M` replays the same
 * ops in the same order; only timing inside the kernel and the engines varies.
 */
import type { FaultProfile } from './proxy.ts';
import type { Rng } from './rng.ts';

export interface WorldShape {
  /** devices[u] = number of devices of user u. */
  devices: number[];
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
  | { kind: 'kill-server' }
  | { kind: 'start-server' }
  | { kind: 'pause'; ms: number };

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

export function makeShape(rng: Rng): WorldShape {
  const users = rng.int(3, 4);
  const devices = Array.from({ length: users }, () => rng.int(1, 2));
  // At least one user with two devices: multi-device fan-out is where sync bugs hide.
  if (!devices.includes(2)) devices[rng.int(0, users - 1)] = 2;
  return { devices };
}

export interface Plan {
  shape: WorldShape;
  initialProfiles: Record<string, ProfileName>;
  ops: PlannedOp[];
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

  // Outages are bounded: going offline (proxy or engine switch) or killing the server
  // schedules the way back a few ops later, so devices spend most of the run online
  // and under the network faults, not parked offline.
  const offline = new Set<string>();
  const netOff = new Set<string>();
  let serverDown = false;
  const comeback: { at: number; op: Op }[] = [];
  const ops: PlannedOp[] = [];
  let i = 0;
  const push = (op: Op, gapMs: number) => ops.push({ i: i++, gapMs, op });
  const later = (op: Op, min: number, max: number) => comeback.push({ at: i + rng.int(min, max), op });

  while (i < opCount) {
    const due = comeback.findIndex((c) => c.at <= i);
    if (due >= 0) {
      const { op } = comeback.splice(due, 1)[0]!;
      if (op.kind === 'start-server') serverDown = false;
      if (op.kind === 'online') offline.delete(op.device);
      if (op.kind === 'net-on') netOff.delete(op.device);
      push(op, rng.int(0, 50));
      continue;
    }
    const gapMs = rng.chance(0.3) ? 0 : rng.int(1, 60);
    const dev = rng.pick(devices);
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
        push({ kind: 'send', device: dev.name, to, body: `${rng.pick(FLAVOURS)} #${i}` }, gapMs);
        break;
      }
      case 'read': {
        let peer = rng.int(0, users - 2);
        if (peer >= dev.user) peer++;
        push({ kind: 'read', device: dev.name, peer }, gapMs);
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
  // Comebacks left past the op budget are done by the heal phase (server up, all online).
  return { shape, initialProfiles, ops };
}

export function describeOp(op: Op): string {
  switch (op.kind) {
    case 'send':
      return `send ${op.device} → u${op.to} ${JSON.stringify(op.body)}`;
    case 'read':
      return `read ${op.device} with u${op.peer}`;
    case 'refuse':
      return `refuse ${op.device} ${op.ms}ms`;
    case 'profile':
      return `profile ${op.device} ${op.profile}`;
    case 'pause':
      return `pause ${op.ms}ms`;
    case 'kill-server':
    case 'start-server':
      return op.kind;
    default:
      return `${op.kind} ${op.device}`;
  }
}
