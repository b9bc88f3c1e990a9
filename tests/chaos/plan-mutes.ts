/**
 * Mute ops (#18), interleaved into a finished plan (after its groups, actions and sends with files)
 * from the seed's `mutes` stream: the plan they join keeps its ops, their order and their gaps, and
 * its action ops still name the same messages (their `target` indices are moved past the ops
 * inserted before them). A seed replays what it did before mutes existed, with mutes in between.
 *
 *  - about one op in forty, a device signed in as its own user (online or offline, as the plan has
 *    it then) mutes or unmutes one of its user's 1:1 chats with another user of the world;
 *  - when that user has a second device, often (0.6) the other device changes the same chat 0–3
 *    ops later (mostly to the opposite value): two devices racing on one chat is where the
 *    "the server's order decides" rule can break;
 *  - now and then (0.25) the same device changes the chat again right away (the outbox keeps one
 *    queued mute per chat: the newer replaces the older).
 * Groups are left out: a group's membership at op time is only known while running (a refusal
 * would be allowed, but judging it needs the group driver's periods).
 */
import { renumbered } from './plan-actions.ts';
import { userOfDevice, type Op, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

export type MuteOp = { kind: 'mute'; device: string; peer: number; muted: boolean };

export const isMuteOp = (op: { kind: string }): op is MuteOp => op.kind === 'mute';

/** Mute "moments" per op of the plan: ~0.025 → a 200-op plan (~310 ops with the others) gains ~8, ~13 ops with their follow-ups. */
const RATE = 0.025;

export function withMutes(plan: Plan, rng: Rng): Plan {
  const devices = Object.keys(plan.initialProfiles);
  const users = plan.shape.devices.length;
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  /** Old index → new index, for the action ops' targets. */
  const moved = new Map<number, number>();
  const out: Omit<PlannedOp, 'i'>[] = [];
  let due: { left: number; op: MuteOp }[] = [];
  const home = (d: string) => signedIn.get(d) === userOfDevice(d);

  for (const p of plan.ops) {
    moved.set(p.i, out.length);
    out.push({ op: p.op, gapMs: p.gapMs });
    if (p.op.kind === 'switch') signedIn.set(p.op.device, p.op.account);
    for (const d of due) d.left--;
    // A follow-up on a device away (a guest signed in) is dropped: the actor would skip it anyway.
    for (const d of due.filter((x) => x.left <= 0 && home(x.op.device))) out.push({ op: d.op, gapMs: rng.int(0, 100) });
    due = due.filter((x) => x.left > 0);

    if (!rng.chance(RATE)) continue;
    const mine = devices.filter(home);
    if (mine.length === 0) continue;
    const device = rng.pick(mine);
    const user = userOfDevice(device);
    let peer = rng.int(0, users - 2);
    if (peer >= user) peer++;
    const muted = rng.chance(0.6);
    out.push({ op: { kind: 'mute', device, peer, muted }, gapMs: rng.chance(0.3) ? 0 : rng.int(1, 60) });
    if (rng.chance(0.25)) out.push({ op: { kind: 'mute', device, peer, muted: !muted }, gapMs: rng.int(0, 30) });
    const sibling = devices.find((d) => d !== device && userOfDevice(d) === user);
    if (sibling && rng.chance(0.6)) due.push({ left: rng.int(0, 3), op: { kind: 'mute', device: sibling, peer, muted: rng.chance(0.75) ? !muted : muted } });
    // left 0: right after this one (same gap rule as the others).
    for (const d of due.filter((x) => x.left <= 0 && home(x.op.device))) out.push({ op: d.op, gapMs: rng.int(0, 100) });
    due = due.filter((x) => x.left > 0);
  }
  for (const d of due.filter((x) => home(x.op.device))) out.push({ op: d.op, gapMs: 0 });
  // Every action op names its message by its index in the plan given (attachments' own included).
  return { ...plan, ops: renumbered(out, moved) };
}

export function describeMuteOp(op: MuteOp): string {
  return `${op.muted ? 'mute' : 'unmute'} ${op.device} chat with u${op.peer}`;
}
