/**
 * Offline bursts (#20, batched sends), interleaved into a finished plan (after its profile ops) from
 * the seed's `bursts` stream: the plan they join keeps its ops, their order and their gaps, and its
 * action ops still name the same messages (their `target` indices move past the ops inserted).
 *
 * About one op in eighty, a device of its own user (online, its network switch on) turns its network
 * off (the engine's switch), has 8–40 messages typed into ONE chat, one right after another, turns
 * it back on and, 0–40 ms later, has every connection cut: the drainer is then sending the burst in
 * batches (`send-messages`), so the cut lands mid-batch (stored and not acked, or not stored). Half
 * the time a second cut follows 20–200 ms later. The device's fault profile drops chunks as well.
 * The run's invariants judge them like any send: exactly once, seq order = typing order.
 */
import { renumbered } from './plan-actions.ts';
import { userOfDevice, type Op, type Plan, type PlannedOp } from './plan.ts';
import type { Rng } from './rng.ts';

const RATE = 0.0125;
const WORDS = ['and', 'then', 'ok 👍', 'wait', 'Grüße', '明天', 'one more', 'ça'];

export function withBursts(plan: Plan, rng: Rng): Plan {
  const devices = Object.keys(plan.initialProfiles);
  const users = plan.shape.devices.length;
  const signedIn = new Map(devices.map((d) => [d, userOfDevice(d)]));
  /** Devices the plan has offline (proxy) or with the engine's network off: a burst leaves them alone. */
  const away = new Set<string>();
  const moved = new Map<number, number>();
  const out: Omit<PlannedOp, 'i'>[] = [];
  let bursts = 0;

  for (const p of plan.ops) {
    moved.set(p.i, out.length);
    out.push({ op: p.op, gapMs: p.gapMs });
    const op = p.op;
    if (op.kind === 'switch') signedIn.set(op.device, op.account);
    if (op.kind === 'offline' || op.kind === 'net-off') away.add(op.device);
    if (op.kind === 'online' || op.kind === 'net-on') away.delete(op.device);

    if (!rng.chance(RATE)) continue;
    const home = devices.filter((d) => signedIn.get(d) === userOfDevice(d) && !away.has(d));
    if (home.length === 0) continue;
    const device = rng.pick(home);
    let to = rng.int(0, users - 2);
    if (to >= userOfDevice(device)) to++;
    const n = rng.int(8, 40);
    bursts++;
    const add = (o: Op, gapMs: number) => out.push({ op: o, gapMs });
    add({ kind: 'net-off', device }, rng.int(0, 40));
    for (let k = 0; k < n; k++) add({ kind: 'send', device, to, body: `${rng.pick(WORDS)} b${bursts}.${k}` }, 0);
    add({ kind: 'net-on', device }, rng.int(0, 50));
    add({ kind: 'cut', device }, rng.int(0, 40));
    if (rng.chance(0.5)) add({ kind: 'cut', device }, rng.int(20, 200));
  }
  return { ...plan, ops: renumbered(out, moved) };
}
