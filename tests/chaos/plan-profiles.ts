/**
 * Profile ops (#19 item 12), interleaved into a finished plan (after its mutes) from the seed's
 * `profiles` stream, like plan-mutes.ts: the plan keeps its ops, order and gaps, and its action
 * ops still name the same messages (their `target` indices are moved past the ops inserted).
 *
 *  - about one op in fifty, a device signed in as its own user (online or offline, as the plan has
 *    it then) changes its user's name or about line;
 *  - when that user has a second device, often (0.5) it changes the other field, or the same one,
 *    0–3 ops later: two devices editing one profile is where "fields merge, the server's order
 *    decides within a field" can break;
 *  - now and then (0.25) the same device changes it again right away (merged into its queued entry).
 */
import { renumbered } from './plan-actions.ts';
import { userOfDevice, type Op, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

export type ProfileOp = { kind: 'set-profile'; device: string; field: 'displayName' | 'about'; value: string };

export const isProfileOp = (op: { kind: string }): op is ProfileOp => op.kind === 'set-profile';

const RATE = 0.02;
const WORDS = ['Ada', 'Grace', 'Alan', 'Édith', 'Zoë', '小林', 'Noor', 'lighthouse', 'tea', 'on call', '🚲 by bike', 'back at 5'];

export function withProfiles(plan: Plan, rng: Rng): Plan {
  const devices = Object.keys(plan.initialProfiles);
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  const moved = new Map<number, number>();
  const out: Omit<PlannedOp, 'i'>[] = [];
  let due: { left: number; op: ProfileOp }[] = [];
  const home = (d: string) => signedIn.get(d) === userOfDevice(d);
  let n = 0;
  const value = (field: ProfileOp['field']) => `${rng.pick(WORDS)} ${++n}`.slice(0, field === 'about' ? 140 : 64);
  const flush = () => {
    for (const d of due.filter((x) => x.left <= 0 && home(x.op.device))) out.push({ op: d.op, gapMs: rng.int(0, 100) });
    due = due.filter((x) => x.left > 0);
  };

  for (const p of plan.ops) {
    moved.set(p.i, out.length);
    out.push({ op: p.op, gapMs: p.gapMs });
    if (p.op.kind === 'switch') signedIn.set(p.op.device, p.op.account);
    for (const d of due) d.left--;
    flush();
    if (!rng.chance(RATE)) continue;
    const mine = devices.filter(home);
    if (mine.length === 0) continue;
    const device = rng.pick(mine);
    const field = rng.chance(0.5) ? 'displayName' : 'about';
    out.push({ op: { kind: 'set-profile', device, field, value: value(field) }, gapMs: rng.chance(0.3) ? 0 : rng.int(1, 60) });
    if (rng.chance(0.25)) out.push({ op: { kind: 'set-profile', device, field, value: value(field) }, gapMs: rng.int(0, 30) });
    const sibling = devices.find((d) => d !== device && userOfDevice(d) === userOfDevice(device));
    if (sibling && rng.chance(0.5)) {
      const other = rng.chance(0.6) ? (field === 'about' ? 'displayName' : 'about') : field;
      due.push({ left: rng.int(0, 3), op: { kind: 'set-profile', device: sibling, field: other, value: value(other) } });
    }
    flush();
  }
  for (const d of due.filter((x) => home(x.op.device))) out.push({ op: d.op, gapMs: 0 });
  return { ...plan, ops: renumbered(out, moved) };
}

export function describeProfileOp(op: ProfileOp): string {
  return `set-profile ${op.device} ${op.field} ${JSON.stringify(op.value)}`;
}
