import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';
import { clusterPlan } from './plan-cluster.ts';
import { makePlan } from './plan.ts';

describe('rng', () => {
  it('replays the same numbers for the same seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    expect(Array.from({ length: 50 }, () => a.next())).toEqual(Array.from({ length: 50 }, () => b.next()));
  });

  it('gives different streams to different seeds and labels', () => {
    expect(createRng(1).next()).not.toBe(createRng(2).next());
    const root = createRng(7);
    expect(root.derive('a').next()).not.toBe(root.derive('b').next());
  });

  it('derives a stream independent of how much the parent has drawn', () => {
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.derive('conn:3').next()).toBe(b.derive('conn:3').next());
  });

  it('keeps int() within bounds and reaches both ends', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = r.int(2, 5);
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(5);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
  });
});

describe('plan', () => {
  it('is a pure function of the seed', () => {
    const a = makePlan(createRng(123).derive('plan'), 300);
    const b = makePlan(createRng(123).derive('plan'), 300);
    expect(a).toEqual(b);
    expect(a.ops).toHaveLength(300);
  });

  it('never sends to oneself, restarts a killed server and switches every device back to its own user', () => {
    let switches = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const plan = makePlan(createRng(seed).derive('plan'), 400);
      const users = plan.shape.devices.length;
      const home = (device: string) => Number(/^u(\d+)d/.exec(device)![1]);
      const signedIn = new Map<string, number>();
      const as = (device: string) => signedIn.get(device) ?? home(device);
      let down = false;
      for (const { op } of plan.ops) {
        if (op.kind === 'send') expect(op.to).not.toBe(as(op.device));
        if (op.kind === 'read') expect(op.peer).not.toBe(as(op.device));
        if (op.kind === 'switch') {
          // Away to someone else, or back home: never from one guest to another.
          if (op.account === home(op.device)) expect(as(op.device)).not.toBe(home(op.device));
          else expect(as(op.device)).toBe(home(op.device));
          expect(op.account).toBeLessThan(users + plan.shape.spares);
          signedIn.set(op.device, op.account);
          switches++;
        }
        if (op.kind === 'kill-server') {
          expect(down).toBe(false);
          down = true;
        }
        if (op.kind === 'start-server') down = false;
      }
      expect(plan.shape.devices).toContain(2);
      expect(plan.shape.spares).toBeGreaterThanOrEqual(1);
      expect(plan.tokenTtlS).toBeGreaterThanOrEqual(2);
    }
    expect(switches).toBeGreaterThan(20 * 4);
  });
});

describe('2-node plan', () => {
  it('keeps the 1-node plan of the seed, never takes both nodes down, kills mid-burst, restarts Redis', () => {
    let midBurst = 0;
    let typistsCut = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const base = makePlan(createRng(seed).derive('plan'), 300);
      expect(makePlan(createRng(seed).derive('plan'), 300)).toEqual(base);
      const plan = clusterPlan(base, createRng(seed).derive('cluster'));
      expect(plan.nodes).toBe(2);
      expect(new Set(Object.values(plan.homes))).toEqual(new Set([0, 1]));
      // Every op of the 1-node plan is still there, in order (the server's kills became the nodes').
      const kept = plan.ops.map((p) => p.op).filter((op) => base.ops.some((b) => b.op === op));
      expect(kept).toEqual(base.ops.map((b) => b.op).filter((op) => op.kind !== 'kill-server' && op.kind !== 'start-server'));
      const signedIn = new Map<string, number>();
      const as = (device: string) => signedIn.get(device) ?? Number(/^u(\d+)d/.exec(device)![1]);
      let down: number | null = null;
      let redis = 0;
      plan.ops.forEach(({ op, i }, k) => {
        expect(i).toBe(k);
        if (op.kind === 'switch') signedIn.set(op.device, op.account);
        if (op.kind === 'send' || op.kind === 'type') expect(op.to).not.toBe(as(op.device));
        if (op.kind === 'kill-server' || op.kind === 'start-server') throw new Error('a 1-node op in a 2-node plan');
        if (op.kind === 'kill-node') {
          expect(down).toBeNull();
          down = op.node;
          if (plan.ops[k - 1]?.op.kind === 'send' && plan.ops[k]!.gapMs === 0) midBurst++;
          if (plan.ops[k + 1]?.op.kind === 'refuse') typistsCut++;
        }
        if (op.kind === 'start-node') {
          expect(op.node).toBe(down);
          down = null;
        }
        if (op.kind === 'redis-restart') redis++;
      });
      expect(redis).toBeGreaterThanOrEqual(1);
    }
    expect(midBurst).toBeGreaterThan(20);
    expect(typistsCut).toBeGreaterThan(10);
  });
});
