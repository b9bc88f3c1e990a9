import { describe, expect, it } from 'vitest';
import { clusterPlan } from './plan-cluster.ts';
import { isGroupOp, withGroups, type GroupOp } from './plan-groups.ts';
import { makePlan } from './plan.ts';
import { createRng } from './rng.ts';

describe('group ops in a plan', () => {
  it('keep the plan they join (same ops, order and gaps), and are a pure function of the seed', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const base = makePlan(createRng(seed).derive('plan'), 200);
      const plan = withGroups(base, createRng(seed).derive('groups'));
      expect(withGroups(base, createRng(seed).derive('groups'))).toEqual(plan);
      expect(plan.ops.filter((p) => !isGroupOp(p.op)).map(({ op, gapMs }) => ({ op, gapMs }))).toEqual(base.ops.map(({ op, gapMs }) => ({ op, gapMs })));
      plan.ops.forEach((p, k) => expect(p.i).toBe(k));
      const cluster = clusterPlan(base, createRng(seed).derive('cluster'));
      expect(withGroups(cluster, createRng(seed).derive('groups')).ops.filter((p) => !isGroupOp(p.op)).map((p) => p.op)).toEqual(cluster.ops.map((p) => p.op));
    }
  });

  it('create 1–2 groups of 2–4 before using them, act only as the device’s own user, and mix in refused and former members’ ops', () => {
    const kinds = new Map<string, number>();
    let groups = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const plan = withGroups(makePlan(createRng(seed).derive('plan'), 200), createRng(seed).derive('groups'));
      const users = plan.shape.devices.length;
      const home = (device: string) => Number(/^u(\d+)d/.exec(device)![1]);
      const signedIn = new Map<string, number>();
      const created = new Set<number>();
      for (const { op } of plan.ops) {
        if (op.kind === 'switch') signedIn.set(op.device, op.account);
        if (!isGroupOp(op)) continue;
        const g = op as GroupOp;
        expect(signedIn.get(g.device) ?? home(g.device)).toBe(home(g.device));
        kinds.set(g.kind, (kinds.get(g.kind) ?? 0) + 1);
        if (g.kind === 'group-create') {
          expect(created.has(g.group)).toBe(false);
          created.add(g.group);
          expect(g.members.length + 1).toBeGreaterThanOrEqual(2);
          expect(g.members.length + 1).toBeLessThanOrEqual(4);
          expect(g.members).not.toContain(home(g.device));
          expect(Math.max(...g.members)).toBeLessThan(users + plan.shape.spares);
        } else {
          expect(created.has(g.group)).toBe(true);
        }
      }
      expect(created.size).toBeGreaterThanOrEqual(1);
      groups += created.size;
    }
    expect(groups).toBeGreaterThan(25);
    for (const k of ['group-send', 'group-read', 'group-rename', 'group-add', 'group-remove', 'group-promote']) expect(kinds.get(k) ?? 0).toBeGreaterThan(10);
    expect(kinds.get('group-send')!).toBeGreaterThan(20 * 15);
  });
});
