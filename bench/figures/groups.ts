/**
 * Figure 9 (issue #15): group sends against a bare Socket.io room broadcast, in the same run.
 *
 * Per server (bare Socket.io baseline, Pigeon on SQLite, Pigeon on MongoDB): `sockets` users,
 * one socket each (bench/workers/group-load.ts), cut into groups of each size (10 and 100 by
 * default, over the same users and sockets: a user is in one group of each size). The sockets
 * connect first, then the groups are created, on Pigeon through `POST /api/conversations` (its
 * members' sockets join the group's room and get the group-created system message, which the
 * bench waits for), on the bare server by naming the same rooms. Per size:
 *  1. closed loop: every group's first `senders` members keep `inflight` sends awaiting their
 *     ack; a message counts when acked and delivered to every other member (new-message on
 *     each member's socket), the last member's receipt giving send→delivery-to-all;
 *  2. paced (open loop) at `pacedFraction` of that server's own maximum.
 * Server CPU per message from /proc over each window. Then every send is checked: acked once,
 * delivered once to each other member, stored once, seqs gap-free in every group.
 * Target: Pigeon on SQLite ≥ 50 % of the bare room broadcast. Reported, not asserted.
 */
import { join } from 'node:path';
import type { GroupRunResult } from '../lib/group-load.ts';
import { coveringMembers, createGroups, planGroups, type CreatedGroup } from '../lib/group-plan.ts';
import { checkDelivery, fail } from '../lib/integrity.ts';
import type { Integrity } from '../lib/load.ts';
import { forkTs, sleep, type NodeChild } from '../lib/procs.ts';
import { table } from '../lib/report.ts';
import { measureWindow, type CpuShare, type WatchedPids } from '../lib/session.ts';
import { fmtMs, fmtRate } from '../lib/stats.ts';
import { startTarget, type TargetKind } from '../lib/targets.ts';

export interface GroupsOptions {
  kinds: TargetKind[];
  sizes: number[];
  /** Users, one socket each; every size cuts them into whole groups. */
  sockets: number;
  /** Members sending in each group. */
  senders: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
  /** Paced run at this fraction of the same server's closed-loop max (0: none). */
  pacedFraction: number;
  pacedDurationMs: number;
  nodeFlags?: string[];
}

export type MeasuredGroupRun = GroupRunResult & { cpu: CpuShare };

export interface GroupSizeFigures {
  size: number;
  groups: number;
  max: MeasuredGroupRun;
  paced: MeasuredGroupRun | null;
  /** Mean sends per group commit during the closed-loop run (Pigeon only). */
  meanBatch: number | null;
}

export interface GroupTargetFigures {
  kind: TargetKind;
  sizes: GroupSizeFigures[];
  sent: number;
  stored: number;
  groupsCreated: number;
  ok: boolean;
}

export interface GroupsFigures {
  sockets: number;
  senders: number;
  inflight: number;
  pacedFraction: number;
  targets: GroupTargetFigures[];
}

const here = new URL('..', import.meta.url).pathname;

export async function measureGroups(opts: GroupsOptions): Promise<GroupsFigures> {
  const out: GroupTargetFigures[] = [];
  for (const kind of opts.kinds) {
    console.log(`\n[groups] ${kind}: ${opts.sockets} sockets in groups of ${opts.sizes.join(' and ')}, ${opts.senders} senders per group, ${opts.inflight} in flight each`);
    const t0 = performance.now();
    const target = await startTarget(kind, { nodeFlags: opts.nodeFlags });
    let loader: NodeChild | null = null;
    try {
      const phases: string[] = [];
      let tp = t0;
      const phase = (name: string) => phases.push(`${name} ${((-tp + (tp = performance.now())) / 1000).toFixed(1)} s`);
      phase('server started');
      const tag = Date.now().toString(36);
      const users = await target.users(opts.sockets, `grp${tag}_`);
      phase('users registered');
      loader = forkTs(join(here, 'workers/group-load.ts'), { label: `group load generator (${kind})` });
      // Connected before the groups exist: a handshake reading a member's groups costs two
      // conversation lists, which on FerretDB made connecting 200 members take minutes.
      await loader.call('connect', { url: target.url, users });
      phase('sockets connected');
      const created = new Map<number, CreatedGroup[]>();
      for (const size of opts.sizes) created.set(size, await createGroups(target, users, planGroups(users.length, size), `${tag}-${size}`));
      const all = [...created.values()].flat();
      if (kind !== 'bare') await systemMessagesSeen(loader, all.reduce((n, g) => n + g.members.length - 1, 0));
      phase(`${all.length} groups created`);
      console.log(`  ${users.length} users: ${phases.join(', ')}`);
      await sleep(1000); // presence announcements and conversation updates settle first
      const pids: WatchedPids = { server: [target.pid], load: [loader.pid], store: target.storePid ? [target.storePid] : [] };
      const sizes: GroupSizeFigures[] = [];
      for (const size of opts.sizes) {
        const groups = created.get(size)!.map((g) => ({ id: g.id, members: g.members, senders: opts.senders }));
        const s0 = await target.sendStats();
        const max = await measureWindow<GroupRunResult>(loader, 'closed', { groups, inflight: opts.inflight, warmupMs: opts.warmupMs, durationMs: opts.durationMs }, pids);
        const s1 = await target.sendStats();
        const meanBatch = s0 && s1 && s1.batches > s0.batches ? (s1.sends - s0.sends) / (s1.batches - s0.batches) : null;
        console.log(`  ${groups.length} groups of ${size}, closed loop: ${describe(max)}${meanBatch ? `, ${meanBatch.toFixed(1)} sends/commit` : ''}`);
        let paced: MeasuredGroupRun | null = null;
        const healthy = max.completedRate > 0 && max.integrity.missingAcks === 0 && max.integrity.missingDeliveries === 0;
        if (!healthy) console.log('  the closed-loop run did not complete cleanly: no paced run');
        else if (opts.pacedFraction > 0) {
          const rate = Math.max(1, Math.round(max.completedRate * opts.pacedFraction));
          paced = await measureWindow<GroupRunResult>(loader, 'open', { groups, rate, warmupMs: Math.min(1000, opts.warmupMs), durationMs: opts.pacedDurationMs }, pids);
          console.log(`  groups of ${size}, paced at ${fmtRate(rate)}/s: ${describe(paced)}`);
        }
        sizes.push({ size, groups: groups.length, max, paced, meanBatch });
      }
      const integrity = await loader.call<Integrity & { systemDeliveries: number }>('check');
      const store = await target.storeCheck(coveringMembers(all.map((g) => g.members)), all.map((g) => g.id));
      let ok = checkDelivery(`groups/${kind}`, integrity, store, kind !== 'bare');
      if (kind !== 'bare' && store.systemMessages !== all.length) {
        fail(`groups/${kind}`, `${all.length} groups created, but the store holds ${store.systemMessages} system messages in them`);
        ok = false;
      }
      console.log(
        `  integrity: sent ${integrity.sent}, acked ${integrity.acked}, delivered ${integrity.delivered} (member deliveries), ` +
          `${kind === 'bare' ? 'handled' : 'stored'} ${store.messages}${kind === 'bare' ? '' : ` + ${store.systemMessages} group-created (seen by ${integrity.systemDeliveries} member sockets)`} — ${ok ? 'ok' : 'FAILED'} ` +
          `(${((performance.now() - t0) / 1000).toFixed(1)} s for this server)`,
      );
      out.push({ kind, sizes, sent: integrity.sent, stored: store.messages, groupsCreated: all.length, ok });
    } finally {
      await loader?.stop();
      await target.stop();
    }
  }
  return { sockets: opts.sockets, senders: opts.senders, inflight: opts.inflight, pacedFraction: opts.pacedFraction, targets: out };
}

/** Waits until the members' sockets got at least `n` group-created system messages: they are in the rooms. */
async function systemMessagesSeen(loader: NodeChild, n: number): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const seen = (await loader.call<{ systemDeliveries: number }>('check')).systemDeliveries;
    if (seen >= n) return;
    if (performance.now() > deadline) throw new Error(`members got ${seen} of ${n} group-created messages within 120 s`);
    await sleep(100);
  }
}

/** Server (+ FerretDB) CPU per message acked and delivered to all, µs. */
const cpuUs = (r: MeasuredGroupRun) => (r.completedRate > 0 ? ((r.cpu.server + r.cpu.store) / r.completedRate) * 1e6 : NaN);
const lat = (s: { p50: number; p95: number; p99: number }) => `${fmtMs(s.p50)} / ${fmtMs(s.p95)} / ${fmtMs(s.p99)}`;
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');

function describe(r: MeasuredGroupRun): string {
  return (
    `${fmtRate(r.completedRate)} msgs/s to all (${fmtRate(r.deliveryRate)} member deliveries/s), ack p50/p99 ${fmtMs(r.ack.p50)}/${fmtMs(r.ack.p99)} ms, ` +
    `delivery to all p50/p99 ${fmtMs(r.all.p50)}/${fmtMs(r.all.p99)} ms, server ${r.cpu.server.toFixed(2)}${r.cpu.store ? ` + FerretDB ${r.cpu.store.toFixed(2)}` : ''} cores ` +
    `= ${fmtRate(cpuUs(r))} µs/msg, load gen ${r.cpu.load.toFixed(2)}, machine ${r.cpu.machine.toFixed(2)}${r.overloaded ? ' OVERLOADED' : ''}`
  );
}

const NAMES: Record<TargetKind, string> = { bare: 'bare Socket.io room (baseline)', sqlite: 'Pigeon, SQLite store', mongodb: 'Pigeon, MongoDB store (FerretDB)' };

export function renderGroups(f: GroupsFigures): string {
  if (f.targets.length === 0) return '';
  const bareMax = (size: number) => f.targets.find((t) => t.kind === 'bare')?.sizes.find((s) => s.size === size)?.max;
  const ratio = (kind: TargetKind, size: number) => {
    const r = f.targets.find((t) => t.kind === kind)?.sizes.find((s) => s.size === size)?.max;
    const b = bareMax(size);
    return r && b && b.completedRate > 0 ? r.completedRate / b.completedRate : NaN;
  };
  const rows: string[][] = [];
  const sizes = [...new Set(f.targets.flatMap((t) => t.sizes.map((s) => s.size)))];
  for (const size of sizes)
    for (const t of f.targets) {
      const s = t.sizes.find((x) => x.size === size);
      if (!s) continue;
      for (const r of [s.max, s.paced]) {
        if (!r) continue;
        const closed = r === s.max;
        rows.push([
          NAMES[t.kind],
          `${s.groups} × ${size}`,
          closed ? 'closed loop (max)' : `paced at ${fmtRate(r.offeredRate ?? NaN)}/s`,
          fmtRate(r.completedRate) + (r.overloaded ? ' (overloaded)' : ''),
          closed ? (t.kind === 'bare' ? 'baseline' : pct(ratio(t.kind, size))) : '–',
          fmtRate(r.deliveryRate),
          lat(r.ack),
          lat(r.all),
          `${fmtRate(cpuUs(r))} (${(cpuUs(r) / (size - 1)).toFixed(1)})`,
          r.cpu.server.toFixed(2) + (r.cpu.store ? ` + ${r.cpu.store.toFixed(2)}` : ''),
          r.cpu.load.toFixed(2),
          r.cpu.machine.toFixed(2),
          closed && s.meanBatch ? s.meanBatch.toFixed(1) : '–',
        ]);
      }
    }
  const targets: string[] = [];
  for (const size of sizes) {
    const sq = ratio('sqlite', size);
    if (f.targets.some((t) => t.kind === 'sqlite') && bareMax(size))
      targets.push(`- ${sq >= 0.5 ? '✔ met' : '✘ not met'}: groups of ${size}, Pigeon on SQLite ≥ 50 % of the bare room broadcast — measured ${pct(sq)}`);
    const mo = ratio('mongodb', size);
    if (f.targets.some((t) => t.kind === 'mongodb') && bareMax(size)) targets.push(`- (no target) groups of ${size}, Pigeon on MongoDB (FerretDB): ${pct(mo)} of the bare room broadcast`);
    // As in figure 1: CPU per message is the figure a contended run moves least.
    const sqMax = f.targets.find((t) => t.kind === 'sqlite')?.sizes.find((x) => x.size === size)?.max;
    const b = bareMax(size);
    if (sqMax && b && sqMax.completedRate > 0 && b.completedRate > 0)
      targets.push(
        `- (CPU view) groups of ${size}: the SQLite server spends ${fmtRate(cpuUs(sqMax))} µs of CPU per message against ${fmtRate(cpuUs(b))} µs for the bare room ` +
          `broadcast: on a dedicated core it would reach about ${pct(cpuUs(b) / cpuUs(sqMax))} of the baseline.`,
      );
  }
  const checked = f.targets.map(
    (t) => `${t.ok ? '✔' : '✘'} ${NAMES[t.kind]}: ${fmtRate(t.sent)} sent = ${fmtRate(t.stored)} ${t.kind === 'bare' ? 'handled' : `stored (+ ${t.groupsCreated} group-created system messages)`}`,
  );
  return [
    `### 9. Group chats: send → delivery to every member (issue #15)`,
    `${f.sockets} sockets, one per user, cut into groups of each size over the same users; in every group the first ${f.senders} members send, ` +
      `each keeping ${f.inflight} sends awaiting their ack (closed loop), then paced at ${pct(f.pacedFraction)} of the same server's maximum (open loop, ` +
      `latency from the intended send time). A message counts when acked to the sender **and** delivered (\`new-message\`) to every other member; ` +
      `*send→delivery to all* is the last member's receipt, read by the load generator that holds every socket (one clock). Baseline: a bare Socket.io ` +
      `server that acks each send and broadcasts it to a room of the same members (no auth, no storage), same sockets, same load generator. ` +
      `Latencies in ms, p50 / p95 / p99; CPU in cores over the window; server CPU per message (and per member delivery) includes FerretDB.`,
    '',
    table(
      ['server', 'groups × members', 'run', 'msgs/s (to all)', 'vs bare', 'member deliveries/s', 'send→ack', 'send→delivery to all', 'server CPU µs/msg (/delivery)', 'CPU server (+ FerretDB)', 'CPU load gen', 'CPU machine', 'sends/commit'],
      rows,
    ),
    '',
    `Checked (every send acked once, delivered once to each other member, stored once, seqs 1..n in every group): ${checked.join('; ')}.`,
    '',
    '**Target** (reported, not asserted):',
    '',
    ...targets,
  ].join('\n');
}
