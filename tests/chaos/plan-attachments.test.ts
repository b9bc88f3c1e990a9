import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32, makeFile, pngSize } from './files.ts';
import { isActionOp, withActions } from './plan-actions.ts';
import { isAttachmentOp, withAttachments, type AttachmentOp } from './plan-attachments.ts';
import { withGroups } from './plan-groups.ts';
import { makePlan, type Op, type Plan } from './plan.ts';
import { createRng } from './rng.ts';

const acted = (seed: number): Plan =>
  withActions(withGroups(makePlan(createRng(seed).derive('plan'), 200), createRng(seed).derive('groups')), createRng(seed).derive('actions'));
const full = (seed: number) => withAttachments(acted(seed), createRng(seed).derive('attachments'));
/** The op an action names, as text, so plans before and after insertion can be compared. */
const named = (plan: Plan, op: Op) => (isActionOp(op) ? JSON.stringify({ ...plan.ops[op.target]!.op, target: undefined }) : '');

describe('sends with files in a plan', () => {
  it('keep the plan they join (same ops, order, gaps; actions name the same messages), and are a pure function of the seed', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const before = acted(seed);
      const plan = full(seed);
      expect(full(seed)).toEqual(plan);
      plan.ops.forEach((p, k) => expect(p.i).toBe(k));
      // The plan before is a subsequence of the plan after (same ops, same gaps, actions naming the same
      // messages); everything else is a send with files, a fault next to it, or an action on it.
      const extra: string[] = [];
      let b = 0;
      plan.ops.forEach((p) => {
        const want = before.ops[b];
        const same = want && want.gapMs === p.gapMs && JSON.stringify({ ...want.op, target: undefined }) === JSON.stringify({ ...p.op, target: undefined }) && named(before, want.op) === named(plan, p.op);
        if (same) b++;
        else extra.push(isActionOp(p.op) ? `${p.op.kind}→${plan.ops[p.op.target]!.op.kind}` : p.op.kind);
      });
      expect(b).toBe(before.ops.length);
      for (const kind of new Set(extra)) expect(['send-files', 'offline', 'online', 'cut', 'reload', 'msg-react→send-files', 'msg-delete→send-files']).toContain(kind);
    }
  });

  it('send 1–3 files to another user from a device signed in as its own user, in every mode', () => {
    const modes = new Map<string, number>();
    let sends = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const plan = full(seed);
      const signedIn = new Map<string, number>();
      plan.ops.forEach(({ op }, k) => {
        if (op.kind === 'switch') signedIn.set(op.device, op.account);
        if (!isAttachmentOp(op)) return;
        sends++;
        const user = Number(/^u(\d+)d/.exec(op.device)![1]);
        expect(signedIn.get(op.device) ?? user).toBe(user);
        expect(op.to).not.toBe(user);
        expect(op.files.length).toBeGreaterThanOrEqual(1);
        expect(op.files.length).toBeLessThanOrEqual(3);
        modes.set(op.mode, (modes.get(op.mode) ?? 0) + 1);
        if (op.mode === 'cut') expect(plan.ops[k + 1]!.op).toEqual({ kind: 'cut', device: op.device });
        if (op.mode === 'reload') expect(plan.ops[k + 1]!.op).toEqual({ kind: 'reload', device: op.device });
      });
    }
    expect(sends).toBeGreaterThan(20 * 8);
    expect([...modes.keys()].sort()).toEqual(['cut', 'offline', 'online', 'reload']);
  });

  it('make valid PNGs, small files and a CRC-32 as zlib computes it', async () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const spec = { kind: 'png' as const, name: 'a.png', size: 48, seed: 7 };
    const png = makeFile(spec);
    expect(await sharp(png.bytes).metadata()).toMatchObject({ format: 'png', ...pngSize(48) });
    expect(makeFile(spec)).toEqual(png);
    const bin = makeFile({ kind: 'bin', name: 'b.bin', size: 5000, seed: 1 });
    expect(bin.bytes.length).toBe(5000);
    expect(makeFile({ kind: 'text', name: 't.txt', size: 3000, seed: 2 }).bytes.length).toBeGreaterThanOrEqual(3000);
    const sizes = Array.from({ length: 20 }, (_, s) => full(s + 1))
      .flatMap((p) => p.ops.map((o) => o.op).filter(isAttachmentOp))
      .flatMap((op: AttachmentOp) => op.files.filter((f) => f.kind !== 'png').map((f) => f.size));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(200_000);
  });
});

