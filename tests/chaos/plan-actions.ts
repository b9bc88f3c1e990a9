/**
 * Message-action ops (#16), interleaved into a finished plan (after its group ops) from the seed's
 * `actions` stream, so the plan they join keeps its ops, their order and their gaps: a seed replays
 * what it did before actions existed, with the actions in between.
 *
 *  - right after a send (1:1 or group) on a device, often an action on that very message by the same
 *    device with no gap: a reaction, an edit, a reply, a delete — on a message still pending in the
 *    outbox, offline or online, as the plan has the device then;
 *  - elsewhere, about one op in eight: an action on one of the last dozen messages, by a device of
 *    someone who can see it: a reaction (often replacing or removing the user's earlier one), a
 *    reply, delete for me; by a device of its sender: an edit, delete for everyone; and now and then
 *    an edit of someone else's message, which the device refuses at once (FORBIDDEN).
 *
 * A message is named by the op that sent it (`target`: its index in the final plan), since its key
 * exists only once the run makes it; the driver (actor-actions.ts) skips an action whose message was
 * never accepted, or is not on the acting device (yet). Actions are made by a device's own user only,
 * like group ops. Who is in a group is a rough belief (everyone ever added): the driver's device knows.
 */
import { isGroupOp } from './plan-groups.ts';
import { userOfDevice, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

export type ActionOp =
  /** emoji '' removes the user's reaction. */
  | { kind: 'msg-react'; device: string; target: number; emoji: string }
  | { kind: 'msg-edit'; device: string; target: number; body: string }
  | { kind: 'msg-delete'; device: string; target: number; scope: 'everyone' | 'me' }
  | { kind: 'msg-reply'; device: string; target: number; body: string };

export const isActionOp = (op: { kind: string }): op is ActionOp => op.kind.startsWith('msg-');

/**
 * A rewritten plan's ops, numbered again: each action op's target (an index in the plan given) moves
 * with its op (`moved`: old index → new one).
 */
export function renumbered(out: readonly Omit<PlannedOp, 'i'>[], moved: ReadonlyMap<number, number>): PlannedOp[] {
  return out.map((o, i) => {
    const op = o.op;
    return { i, gapMs: o.gapMs, op: isActionOp(op) ? { ...op, target: moved.get(op.target) ?? op.target } : op };
  });
}

/** Emoji with variation selectors, joiners and flags: several code points, so a frame can be cut inside one. */
export const EMOJI = ['👍', '❤️', '😂', '🎉', '🙏', '👀', '🇩🇪', '👨‍👩‍👧'];
const EDITS = ['fixed typo ✏️', 'meant: tomorrow', 'Korrektur', 'ok ok 😅', '改了'];
const REPLIES = ['re: yes!', 'why? 🤔', 'genau', 'd’accord', '好'];

/** Independent actions per op of the plan: ~0.12 → a 240-op plan gains ~30, plus ~0.2 per send right after it. */
const RATE = 0.12;
const AFTER_SEND = 0.2;
/** How far back an independent action reaches (messages). */
const RECENT = 12;

interface Target {
  /** Its op's index in the final plan. */
  at: number;
  /** The account that sent it. */
  sender: number;
  device: string;
  /** Who can see it: the 1:1 pair, or everyone ever added to the group. */
  users: Set<number>;
  /** user → the emoji the plan last gave them here ('' none). */
  reactions: Map<number, string>;
}

export function withActions(plan: Plan, rng: Rng): Plan {
  const devices = Object.keys(plan.initialProfiles);
  const users = plan.shape.devices.length;
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  const home = (d: string) => signedIn.get(d) === userOfDevice(d);
  /** A device of `user` signed in as them, `prefer` if it is one, or null. */
  const deviceOf = (user: number, prefer?: string): string | null => {
    if (prefer && userOfDevice(prefer) === user && home(prefer) && rng.chance(0.6)) return prefer;
    const own = devices.filter((d) => userOfDevice(d) === user && home(d));
    return own.length > 0 ? rng.pick(own) : null;
  };
  const groupUsers = new Map<number, Set<number>>();
  const targets: Target[] = [];
  const out: Omit<PlannedOp, 'i'>[] = [];
  let edits = 0;
  let replies = 0;

  const action = (t: Target, kind: string, device: string, gapMs: number): void => {
    const me = userOfDevice(device);
    const target = t.at;
    switch (kind) {
      case 'react': {
        const had = t.reactions.get(me) ?? '';
        const emoji = had && rng.chance(0.5) ? '' : rng.pick(EMOJI.filter((e) => e !== had));
        t.reactions.set(me, emoji);
        out.push({ op: { kind: 'msg-react', device, target, emoji }, gapMs });
        return;
      }
      case 'edit':
        out.push({ op: { kind: 'msg-edit', device, target, body: `${rng.pick(EDITS)} (e${edits++})` }, gapMs });
        return;
      case 'delete':
      case 'hide':
        out.push({ op: { kind: 'msg-delete', device, target, scope: kind === 'delete' ? 'everyone' : 'me' }, gapMs });
        return;
      case 'reply': {
        out.push({ op: { kind: 'msg-reply', device, target, body: `${rng.pick(REPLIES)} #r${replies++}` }, gapMs });
        // A reply is a message too: later actions may take it.
        targets.push({ at: out.length - 1, sender: me, device, users: t.users, reactions: new Map() });
        return;
      }
    }
  };

  /** An action on a recent message, by a device of someone who can see it (or of its sender). */
  const draw = () => {
    if (targets.length === 0) return;
    const recent = targets.slice(-RECENT);
    const kind = rng.weighted({ react: 25, again: 15, reply: 20, edit: 15, delete: 6, hide: 7, foreign: 2 });
    const gapMs = rng.chance(0.3) ? 0 : rng.int(1, 40);
    if (kind === 'again') {
      // A user who reacted to a recent message changes or removes their reaction (or reacts again, once removed).
      const reacted = recent.flatMap((t) => [...t.reactions.keys()].filter((u) => u < users).map((u) => [t, u] as const));
      if (reacted.length === 0) return;
      const [t, u] = rng.pick(reacted);
      const device = deviceOf(u);
      if (device) action(t, 'react', device, gapMs);
      return;
    }
    const t = rng.pick(recent);
    const seeing = [...t.users].filter((u) => u < users);
    if (kind === 'edit' || kind === 'delete') {
      const device = t.sender < users ? deviceOf(t.sender, t.device) : null;
      if (device) action(t, kind, device, gapMs);
    } else if (kind === 'foreign') {
      // Someone else's message: the device refuses the edit at once.
      const others = seeing.filter((u) => u !== t.sender);
      const device = others.length > 0 ? deviceOf(rng.pick(others)) : null;
      if (device) action(t, 'edit', device, gapMs);
    } else if (seeing.length > 0) {
      const device = deviceOf(rng.pick(seeing));
      if (device) action(t, kind, device, gapMs);
    }
  };

  for (const p of plan.ops) {
    out.push({ op: p.op, gapMs: p.gapMs });
    const op = p.op;
    if (op.kind === 'switch') signedIn.set(op.device, op.account);
    if (isGroupOp(op)) {
      const g = groupUsers.get(op.group) ?? new Set<number>();
      groupUsers.set(op.group, g);
      if (op.kind === 'group-create') [userOfDevice(op.device), ...op.members].forEach((u) => g.add(u));
      if (op.kind === 'group-add') op.users.forEach((u) => g.add(u));
    }
    let sent: Target | null = null;
    if (op.kind === 'send') {
      const sender = signedIn.get(op.device)!;
      sent = { at: out.length - 1, sender, device: op.device, users: new Set([sender, op.to]), reactions: new Map() };
    } else if (op.kind === 'group-send') {
      sent = { at: out.length - 1, sender: userOfDevice(op.device), device: op.device, users: groupUsers.get(op.group) ?? new Set(), reactions: new Map() };
    }
    if (sent) {
      targets.push(sent);
      // On the message just typed, from the same device, before it can have left the outbox.
      if (home(sent.device) && rng.chance(AFTER_SEND)) action(sent, rng.weighted({ react: 3, edit: 3, reply: 3, delete: 1, hide: 0.5 }), sent.device, 0);
    }
    if (rng.chance(RATE)) draw();
  }
  return { ...plan, ops: out.map((o, i) => ({ i, ...o })) };
}

export function describeActionOp(op: ActionOp): string {
  switch (op.kind) {
    case 'msg-react':
      return `react ${op.device} on #${op.target} ${op.emoji ? op.emoji : '(remove)'}`;
    case 'msg-edit':
      return `edit ${op.device} #${op.target} ${JSON.stringify(op.body)}`;
    case 'msg-delete':
      return `delete ${op.device} #${op.target} for ${op.scope}`;
    case 'msg-reply':
      return `reply ${op.device} to #${op.target} ${JSON.stringify(op.body)}`;
  }
}
