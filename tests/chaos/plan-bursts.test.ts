import { describe, expect, it } from 'vitest';
import { isActionOp, withActions } from './plan-actions.ts';
import { withBursts } from './plan-bursts.ts';
import { withGroups } from './plan-groups.ts';
import { makePlan, type Op, type Plan } from './plan.ts';
import { createRng } from './rng.ts';

const acted = (seed: number): Plan =>
  withActions(withGroups(makePlan(createRng(seed).derive('plan'), 200), createRng(seed).derive('groups')), createRng(seed).derive('actions'));
const burst = (seed: number) => withBursts(acted(seed), createRng(seed).derive('bursts'));
const text = (op: Op) => JSON.stringify({ ...op, target: undefined });
const named = (plan: Plan, op: Op) => (isActionOp(op) ? text(plan.ops[op.target]!.op) : '');

describe('offline bursts in a plan', () => {
  it('keep the plan they join (same ops, order, gaps; actions name the same messages), and are a pure function of the seed', () => {
    let bursts = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const before = acted(seed);
      const plan = burst(seed);
      expect(burst(seed)).toEqual(plan);
      plan.ops.forEach((p, k) => expect(p.i).toBe(k));
      let b = 0;
      const extra: Op[] = [];
      for (const p of plan.ops) {
        const want = before.ops[b];
        if (want && want.gapMs === p.gapMs && text(want.op) === text(p.op) && named(before, want.op) === named(plan, p.op)) b++;
        else extra.push(p.op);
      }
      expect(b).toBe(before.ops.length);
      // Each burst: net-off, 8–40 sends from that device to one peer, net-on, one or two cuts.
      for (let k = 0; k < extra.length; ) {
        const off = extra[k]!;
        expect(off.kind).toBe('net-off');
        const device = (off as { device: string }).device;
        let n = k + 1;
        const peers = new Set<number>();
        while (extra[n]?.kind === 'send') {
          const s = extra[n] as Extract<Op, { kind: 'send' }>;
          expect(s.device).toBe(device);
          peers.add(s.to);
          n++;
        }
        expect(n - k - 1).toBeGreaterThanOrEqual(8);
        expect(n - k - 1).toBeLessThanOrEqual(40);
        expect(peers.size).toBe(1);
        expect(extra[n]).toEqual({ kind: 'net-on', device });
        expect(extra[n + 1]).toEqual({ kind: 'cut', device });
        n += 2;
        if (extra[n]?.kind === 'cut') n++;
        bursts++;
        k = n;
      }
    }
    expect(bursts).toBeGreaterThan(20);
  });
});
