import { describe, expect, it } from 'vitest';
import { isActionOp, withActions } from './plan-actions.ts';
import { withAttachments } from './plan-attachments.ts';
import { withGroups } from './plan-groups.ts';
import { isMuteOp, withMutes, type MuteOp } from './plan-mutes.ts';
import { makePlan, type Op, type Plan } from './plan.ts';
import { createRng } from './rng.ts';

const filed = (seed: number): Plan => {
  const r = () => createRng(seed);
  const acted = withActions(withGroups(makePlan(r().derive('plan'), 200), r().derive('groups')), r().derive('actions'));
  return withAttachments(acted, r().derive('attachments'));
};
const full = (seed: number) => withMutes(filed(seed), createRng(seed).derive('mutes'));
/** An op as text, with the op an action names in place of its index (a reply named by an action: its own target too). */
const text = (plan: Plan, op: Op): string => (isActionOp(op) ? JSON.stringify({ ...op, target: text(plan, plan.ops[op.target]!.op) }) : JSON.stringify(op));

describe('mutes in a plan', () => {
  it('keep the plan they join (same ops, order, gaps; actions name the same messages) and are a pure function of the seed', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const before = filed(seed);
      const plan = full(seed);
      expect(full(seed)).toEqual(plan);
      plan.ops.forEach((p, k) => expect(p.i).toBe(k));
      const rest = plan.ops.filter((p) => !isMuteOp(p.op));
      expect(rest.map((p) => [p.gapMs, text(plan, p.op)])).toEqual(before.ops.map((p) => [p.gapMs, text(before, p.op)]));
    }
  });

  it('come from devices signed in as their own user, on 1:1 chats with other users, both ways, racing between two devices, and stay modest', () => {
    let mutes = 0;
    let unmutes = 0;
    let raced = 0;
    let base = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const plan = full(seed);
      base += filed(seed).ops.length;
      const signedIn = new Map(Object.keys(plan.initialProfiles).map((d) => [d, Number(d.slice(1, d.indexOf('d')))]));
      const devicesPerChat = new Map<string, Set<string>>();
      for (const { op } of plan.ops) {
        if (op.kind === 'switch') signedIn.set(op.device, op.account);
        if (!isMuteOp(op)) continue;
        const m: MuteOp = op;
        const user = Number(m.device.slice(1, m.device.indexOf('d')));
        expect(signedIn.get(m.device)).toBe(user);
        expect(m.peer).not.toBe(user);
        expect(m.peer).toBeGreaterThanOrEqual(0);
        expect(m.peer).toBeLessThan(plan.shape.devices.length);
        if (m.muted) mutes++;
        else unmutes++;
        const k = `${user} ${m.peer}`;
        devicesPerChat.set(k, (devicesPerChat.get(k) ?? new Set()).add(m.device));
      }
      raced += [...devicesPerChat.values()].filter((s) => s.size > 1).length;
    }
    expect(mutes).toBeGreaterThan(30);
    expect(unmutes).toBeGreaterThan(20);
    expect(raced).toBeGreaterThan(15);
    // At most ~6% more ops than the plan they join.
    expect(mutes + unmutes).toBeLessThan(base * 0.06);
  });

  it('the mutes stream changes nothing else: without mutes the plan is the one it was', () => {
    expect(withMutes(filed(7), createRng(8).derive('mutes')).ops.filter((p) => !isMuteOp(p.op)).length).toBe(filed(7).ops.length);
  });
});
