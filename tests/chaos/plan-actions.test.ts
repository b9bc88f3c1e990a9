import { describe, expect, it } from 'vitest';
import { clusterPlan } from './plan-cluster.ts';
import { isActionOp, withActions, type ActionOp } from './plan-actions.ts';
import { withGroups } from './plan-groups.ts';
import { makePlan, type Plan } from './plan.ts';
import { createRng } from './rng.ts';

const full = (seed: number, base: Plan = makePlan(createRng(seed).derive('plan'), 200)) => withActions(withGroups(base, createRng(seed).derive('groups')), createRng(seed).derive('actions'));

describe('message actions in a plan', () => {
  it('keep the plan they join (same ops, order and gaps), and are a pure function of the seed', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const grouped = withGroups(makePlan(createRng(seed).derive('plan'), 200), createRng(seed).derive('groups'));
      const plan = full(seed);
      expect(full(seed)).toEqual(plan);
      expect(plan.ops.filter((p) => !isActionOp(p.op)).map(({ op, gapMs }) => ({ op, gapMs }))).toEqual(grouped.ops.map(({ op, gapMs }) => ({ op, gapMs })));
      plan.ops.forEach((p, k) => expect(p.i).toBe(k));
      const base = makePlan(createRng(seed).derive('plan'), 200);
      const cluster = withGroups(clusterPlan(base, createRng(seed).derive('cluster')), createRng(seed).derive('groups'));
      expect(withActions(cluster, createRng(seed).derive('actions')).ops.filter((p) => !isActionOp(p.op)).map((p) => p.op)).toEqual(cluster.ops.map((p) => p.op));
    }
  });

  it('name an earlier message of a conversation the actor can see, act as the device’s own user, and mix every kind', () => {
    const kinds = new Map<string, number>();
    let onTheLastSend = 0;
    let total = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const plan = full(seed);
      const home = (device: string) => Number(/^u(\d+)d/.exec(device)![1]);
      const signedIn = new Map<string, number>();
      /** op index → who can see the message it sent (1:1: the sender account and the recipient). */
      const pair = new Map<number, number[]>();
      plan.ops.forEach(({ op }, k) => {
        if (op.kind === 'switch') signedIn.set(op.device, op.account);
        if (op.kind === 'send') pair.set(k, [signedIn.get(op.device) ?? home(op.device), op.to]);
        if (op.kind === 'msg-reply' && pair.has(op.target)) {
          const [s0, t0] = pair.get(op.target)!;
          const replier = home(op.device);
          pair.set(k, [replier, replier === s0 ? t0! : s0!]);
        }
        if (!isActionOp(op)) return;
        const a = op as ActionOp;
        total++;
        expect(signedIn.get(a.device) ?? home(a.device)).toBe(home(a.device));
        const target = plan.ops[a.target]!.op;
        expect(a.target).toBeLessThan(k);
        expect(['send', 'group-send', 'msg-reply']).toContain(target.kind);
        if (pair.has(a.target)) expect(pair.get(a.target)).toContain(home(a.device));
        if (a.kind === 'msg-delete' && a.scope === 'everyone' && pair.has(a.target)) expect(pair.get(a.target)![0]).toBe(home(a.device));
        if (a.target === k - 1 && plan.ops[k]!.gapMs === 0) onTheLastSend++;
        const kind = a.kind === 'msg-delete' ? `${a.kind}-${a.scope}` : a.kind === 'msg-react' && a.emoji === '' ? 'msg-unreact' : a.kind;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      });
    }
    // About 40–60 per 200-op plan (the chaos project's time budget).
    expect(total / 20).toBeGreaterThan(30);
    expect(total / 20).toBeLessThan(80);
    expect(onTheLastSend).toBeGreaterThan(20 * 10);
    for (const k of ['msg-react', 'msg-unreact', 'msg-edit', 'msg-reply', 'msg-delete-everyone', 'msg-delete-me']) expect(kinds.get(k) ?? 0).toBeGreaterThan(20);
  });
});
