/**
 * Group ops (#15), interleaved into a finished plan (the 1-node plan, or the 2-node one) from the
 * seed's `groups` stream, so the ops of the plan they join stay the same ops, in the same order,
 * with the same gaps: a seed's 1:1 sends, reads, faults and switches are the ones it had before
 * groups existed, with the group ops in between.
 *
 *  - 1–2 groups per run, each created by a device (2–4 members in all; sometimes a spare account),
 *    the first early, the second around the middle; online or offline, as the plan has it then;
 *  - sends into a group from a member's device (offline and during faults too), reads;
 *  - renames, additions (often of a former member: periods with a gap), removals, leaving and
 *    making someone admin, by an admin; and the same changes by a member who is not an admin,
 *    which the server refuses;
 *  - sends from a former member's device (refused: the device knows it may not write, or the
 *    server answers FORBIDDEN when the device had not heard yet).
 *
 * Who is a member and who is an admin is this plan's belief, computed from its own ops in order:
 * the real order of changes made offline on several devices is the server's. The checks never use
 * the belief (invariants-groups.ts judges every outcome against the server's record); it only
 * makes most drawn ops sensible ones. Group ops are made by a device's own user only (a guest
 * signed in on it is skipped), so each op's outcome is on that device at the end of the run.
 */
import { userOfDevice, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

export type GroupOp =
  /** `members`: user indices besides the creator (the device's user). */
  | { kind: 'group-create'; device: string; group: number; title: string; members: number[] }
  | { kind: 'group-send'; device: string; group: number; body: string }
  | { kind: 'group-read'; device: string; group: number }
  | { kind: 'group-rename'; device: string; group: number; title: string }
  | { kind: 'group-add'; device: string; group: number; users: number[] }
  /** `user` is the device's own user: leaving. */
  | { kind: 'group-remove'; device: string; group: number; user: number }
  /** Make admin. */
  | { kind: 'group-promote'; device: string; group: number; user: number };

export const isGroupOp = (op: { kind: string }): op is GroupOp => op.kind.startsWith('group-');

const TITLES = ['Climbing 🧗', 'Family', 'Ausflug', 'Book club 📚', 'ça roule', '周末'];
const BODIES = ['who is in?', 'me 🙋', 'Grüße an alle', 'see you there', '好的', 'brb'];

interface Belief {
  created: boolean;
  /** user → order of joining (the oldest member is promoted when the last admin goes). */
  members: Map<number, number>;
  admins: Set<number>;
  former: Set<number>;
}

/** Group ops per op of the plan: ~0.2 → a 200-op plan gains ~40 (the chaos project's time budget). */
const RATE = 0.2;

export function withGroups(plan: Plan, rng: Rng): Plan {
  const devices = Object.keys(plan.initialProfiles);
  const users = plan.shape.devices.length;
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  /** A device of `user` signed in as them, if any. */
  const deviceOf = (user: number): string | null => {
    const own = devices.filter((d) => userOfDevice(d) === user && signedIn.get(d) === user);
    return own.length > 0 ? rng.pick(own) : null;
  };
  const n = plan.ops.length;
  const count = n >= 60 && rng.chance(0.5) ? 2 : 1;
  const createAt = [rng.int(0, Math.max(0, Math.min(15, Math.floor(n / 8)))), rng.int(Math.floor(n / 3), Math.floor(n / 2))].slice(0, count);
  const groups: Belief[] = [];
  let joins = 0;
  let titles = 0;
  let bodies = 0;
  const out: Omit<PlannedOp, 'i'>[] = [];
  const push = (op: GroupOp) => out.push({ op, gapMs: rng.chance(0.3) ? 0 : rng.int(1, 40) });
  const title = () => `${rng.pick(TITLES)} #t${titles++}`;

  const create = (group: number) => {
    const creator = rng.int(0, users - 1);
    const device = deviceOf(creator);
    if (!device) return false;
    const others = Array.from({ length: users }, (_, u) => u).filter((u) => u !== creator);
    const members = others.filter(() => rng.chance(0.6)).slice(0, 3);
    if (members.length === 0) members.push(rng.pick(others));
    // Sometimes an account without a device of its own: it gets group messages only on devices it borrows.
    if (members.length < 3 && rng.chance(0.2)) members.push(users + rng.int(0, plan.shape.spares - 1));
    push({ kind: 'group-create', device, group, title: title(), members });
    groups[group] = { created: true, members: new Map([creator, ...members].map((u) => [u, joins++])), admins: new Set([creator]), former: new Set() };
    return true;
  };

  /** The plan's belief of a change: the oldest member is promoted when the last admin goes. */
  const drop = (g: Belief, user: number) => {
    g.members.delete(user);
    g.admins.delete(user);
    g.former.add(user);
    if (g.admins.size === 0 && g.members.size > 0) g.admins.add([...g.members].sort((a, b) => a[1] - b[1])[0]![0]);
  };

  const draw = () => {
    const live = groups.map((g, k) => [g, k] as const).filter(([g]) => g?.created && g.members.size > 0);
    if (live.length === 0) return;
    const [g, group] = rng.pick(live);
    const members = [...g.members.keys()];
    const admins = [...g.admins];
    const plain = members.filter((u) => !g.admins.has(u));
    const outsiders = Array.from({ length: users }, (_, u) => u).filter((u) => !g.members.has(u));
    const kind = rng.weighted({
      send: 55,
      read: 10,
      rename: 3,
      add: outsiders.length > 0 ? 8 : 0,
      remove: members.length > 1 ? 5 : 0,
      leave: 3,
      promote: plain.length > 0 ? 3 : 0,
      refused: plain.length > 0 ? 6 : 0,
      former: g.former.size > 0 ? 4 : 0,
    });
    const by = (candidates: number[]) => (candidates.length > 0 ? deviceOf(rng.pick(candidates)) : null);
    switch (kind) {
      case 'send':
      case 'former': {
        const device = by(kind === 'send' ? members : [...g.former].filter((u) => u < users));
        if (device) push({ kind: 'group-send', device, group, body: `${rng.pick(BODIES)} #g${bodies++}` });
        return;
      }
      case 'read': {
        const device = by(members);
        if (device) push({ kind: 'group-read', device, group });
        return;
      }
      case 'rename': {
        const device = by(admins);
        if (device) push({ kind: 'group-rename', device, group, title: title() });
        return;
      }
      case 'add': {
        const device = by(admins);
        if (!device) return;
        // Often someone who was a member before: a second period, with the gap between unreadable.
        const former = outsiders.filter((u) => g.former.has(u));
        const first = former.length > 0 && rng.chance(0.5) ? rng.pick(former) : rng.pick(outsiders);
        const added = rng.chance(0.3) ? [...new Set([first, rng.pick(outsiders)])] : [first];
        push({ kind: 'group-add', device, group, users: added });
        for (const u of added) {
          g.members.set(u, joins++);
          g.former.delete(u);
        }
        return;
      }
      case 'remove': {
        const device = by(admins);
        if (!device) return;
        const actor = userOfDevice(device);
        const target = rng.pick(members.filter((u) => u !== actor));
        push({ kind: 'group-remove', device, group, user: target });
        drop(g, target);
        return;
      }
      case 'promote': {
        const device = by(admins);
        if (!device) return;
        const target = rng.pick(plain);
        push({ kind: 'group-promote', device, group, user: target });
        g.admins.add(target);
        return;
      }
      case 'leave': {
        const device = by(members);
        if (!device) return;
        push({ kind: 'group-remove', device, group, user: userOfDevice(device) });
        drop(g, userOfDevice(device));
        return;
      }
      case 'refused': {
        // A member who is not an admin tries a change: it must surface as failed and change nothing.
        const device = by(plain);
        if (!device) return;
        const actor = userOfDevice(device);
        const others = members.filter((u) => u !== actor);
        const what = rng.weighted({ rename: 1, add: outsiders.length > 0 ? 1 : 0, remove: others.length > 0 ? 1 : 0, promote: others.length > 0 ? 0.5 : 0 });
        if (what === 'rename') push({ kind: 'group-rename', device, group, title: title() });
        else if (what === 'add') push({ kind: 'group-add', device, group, users: [rng.pick(outsiders)] });
        else if (what === 'promote') push({ kind: 'group-promote', device, group, user: rng.pick(others) });
        else push({ kind: 'group-remove', device, group, user: rng.pick(others) });
        return;
      }
    }
  };

  plan.ops.forEach((p, j) => {
    const due = createAt.indexOf(j);
    if (due >= 0 && !create(due)) createAt[due] = j + 1; // nobody of that user signed in: the next op
    else if (rng.chance(RATE)) draw();
    out.push({ op: p.op, gapMs: p.gapMs });
    if (p.op.kind === 'switch') signedIn.set(p.op.device, p.op.account);
  });
  return { ...plan, ops: out.map((o, i) => ({ i, ...o })) };
}

export function describeGroupOp(op: GroupOp): string {
  switch (op.kind) {
    case 'group-create':
      return `group-create g${op.group} by ${op.device} ${JSON.stringify(op.title)} with ${op.members.map((u) => `u${u}`).join(',')}`;
    case 'group-send':
      return `group-send ${op.device} → g${op.group} ${JSON.stringify(op.body)}`;
    case 'group-read':
      return `group-read ${op.device} g${op.group}`;
    case 'group-rename':
      return `group-rename ${op.device} g${op.group} ${JSON.stringify(op.title)}`;
    case 'group-add':
      return `group-add ${op.device} g${op.group} ${op.users.map((u) => `u${u}`).join(',')}`;
    case 'group-remove':
      return `group-remove ${op.device} g${op.group} u${op.user}`;
    case 'group-promote':
      return `group-promote ${op.device} g${op.group} u${op.user}`;
  }
}
