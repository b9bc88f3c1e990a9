/**
 * Attachment ops (#17), interleaved into a finished plan (after its group ops and message actions)
 * from the seed's `attachments` stream: the plan they join keeps its ops, their order and their
 * gaps, and its action ops still name the same messages (their `target` indices are moved past the
 * ops inserted before them). A seed replays what it did before attachments existed, with file
 * sends in between.
 *
 *  - about one op in sixteen, a device of its own user sends a 1:1 message with 1–3 files (a PNG
 *    made in-process, random bytes, or text; a few KiB to ~200 KiB; caption sometimes empty);
 *  - in one of four ways: as the plan has the device then (online or not: `online`); with its
 *    proxy offline from just before the send until 1–6 ops later (`offline`: queued offline,
 *    uploaded when the network returns); followed 10–300 ms later by a cut of every connection of
 *    the device (`cut`: mid-upload, the drainer resumes from the server's offset); or by a reload of
 *    the engine (`reload`: an upload in flight is forgotten, the next engine finds it in IndexedDB);
 *  - sometimes, right after, the same device reacts to it or deletes it for everyone (its
 *    attachments go with it, on the server too).
 * Faults of the plan apply as well (profiles drop chunks: uploads are cut there too).
 */
import type { FileSpec } from './files.ts';
import { isActionOp } from './plan-actions.ts';
import { userOfDevice, type Op, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

export type AttachmentMode = 'online' | 'offline' | 'cut' | 'reload';

export type AttachmentOp = { kind: 'send-files'; device: string; to: number; body: string; files: FileSpec[]; mode: AttachmentMode };

export const isAttachmentOp = (op: { kind: string }): op is AttachmentOp => op.kind === 'send-files';

/** File sends per op of the plan: ~0.06 → a 200-op plan (with its groups and actions, ~290 ops) gains ~17. */
const RATE = 0.06;
const CAPTIONS = ['photo 📷', 'the file', 'Rechnung anbei', 'voilà', '看这个'];

function drawFile(rng: Rng, n: number): FileSpec {
  const kind = rng.weighted({ png: 4, bin: 4, text: 2 } as const);
  const seed = rng.int(1, 2 ** 31 - 1);
  if (kind === 'png') return { kind, name: rng.pick([`IMG_${1000 + n}.png`, `Foto ${n} 🌅.png`, `scan-${n}.png`]), size: rng.pick([8, 16, 48, 96, 200]), seed };
  // Mostly small, now and then up to ~200 KiB (several upload chunks on a device with small ones).
  const size = rng.chance(0.7) ? rng.int(1_000, 24_000) : rng.int(24_000, 200_000);
  return kind === 'bin' ? { kind, name: `data-${n}.bin`, size, seed } : { kind, name: `notes ${n} ü.txt`, size, seed };
}

export function withAttachments(plan: Plan, rng: Rng): Plan {
  const devices = Object.keys(plan.initialProfiles);
  const users = plan.shape.devices.length;
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  const offline = new Set<string>();
  /** Old index → new index, for the action ops' targets. */
  const moved = new Map<number, number>();
  const out: Omit<PlannedOp, 'i'>[] = [];
  /** Ops to add after `left` more ops of the plan. */
  let due: { left: number; op: Op }[] = [];
  let files = 0;
  /** Indices (in `out`) of the action ops added here: they name new indices already. */
  const mine = new Set<number>();

  const push = (op: Op, gapMs: number) => {
    if (op.kind === 'offline') offline.add(op.device);
    if (op.kind === 'online') offline.delete(op.device);
    out.push({ op, gapMs });
  };

  for (const p of plan.ops) {
    moved.set(p.i, out.length);
    push(p.op, p.gapMs);
    if (p.op.kind === 'switch') signedIn.set(p.op.device, p.op.account);
    for (const d of due) d.left--;
    for (const d of due.filter((x) => x.left <= 0)) push(d.op, rng.int(0, 40));
    due = due.filter((x) => x.left > 0);

    if (!rng.chance(RATE)) continue;
    const home = devices.filter((d) => signedIn.get(d) === userOfDevice(d));
    if (home.length === 0) continue;
    const device = rng.pick(home);
    let to = rng.int(0, users - 2);
    if (to >= userOfDevice(device)) to++;
    const count = rng.weighted({ one: 5, two: 3, three: 2 });
    const spec = Array.from({ length: count === 'one' ? 1 : count === 'two' ? 2 : 3 }, () => drawFile(rng, files++));
    const mode = rng.weighted({ online: 4, offline: 2, cut: 3, reload: 1 } as const);
    const body = rng.chance(0.3) ? '' : `${rng.pick(CAPTIONS)} #f${files}`;
    const gapMs = rng.chance(0.3) ? 0 : rng.int(1, 60);
    if (mode === 'offline' && !offline.has(device)) {
      push({ kind: 'offline', device }, gapMs);
      due.push({ left: rng.int(1, 6), op: { kind: 'online', device } });
    }
    push({ kind: 'send-files', device, to, body, files: spec, mode }, mode === 'offline' ? 0 : gapMs);
    const sent = out.length - 1;
    if (mode === 'cut') push({ kind: 'cut', device }, rng.int(10, 300));
    if (mode === 'reload') push({ kind: 'reload', device }, rng.int(10, 300));
    const after = rng.weighted({ none: 8, react: 1.2, delete: 0.8 });
    if (after !== 'none') mine.add(out.length);
    if (after === 'react') push({ kind: 'msg-react', device, target: sent, emoji: '👍' }, rng.int(0, 50));
    if (after === 'delete') push({ kind: 'msg-delete', device, target: sent, scope: 'everyone' }, rng.int(0, 50));
  }
  for (const d of due) push(d.op, 0);
  const ops = out.map((o, i) => {
    const op = o.op;
    // An action of the plan names its message by the old index of the op that sent it.
    const fixed = isActionOp(op) && !mine.has(i) ? { ...op, target: moved.get(op.target) ?? op.target } : op;
    return { i, gapMs: o.gapMs, op: fixed };
  });
  return { ...plan, ops };
}

export function describeAttachmentOp(op: AttachmentOp): string {
  const files = op.files.map((f) => `${f.kind}:${f.name}(${f.kind === 'png' ? `${f.size}px` : `${f.size} B`})`).join(', ');
  return `send-files ${op.device} → u${op.to} ${JSON.stringify(op.body)} [${files}] ${op.mode}`;
}
