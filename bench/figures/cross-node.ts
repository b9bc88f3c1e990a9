/**
 * Figure 8: the send path across two nodes against the same path on one node, in the same
 * run on the same cluster (two Pigeon processes on one FerretDB and one redis-server,
 * bench/lib/cluster.ts). Senders are always on node A; their recipients are on node A
 * (same-node) or on node B (cross-node, the delivery crosses the Redis adapter). Each
 * placement has its own users and its own load-generator child; both stay connected
 * throughout, so the idle sockets cost the same in every window.
 *
 * Per placement: a closed-loop run (max rate), then an open-loop run paced at the same
 * offered rate for both (a fraction of the same-node max): CPU per message is compared at
 * equal load, where batch sizes match. Server CPU = CPU time of both node processes
 * (/proc/PID/stat) over the window, per message acked and delivered. Target:
 * cross-node ≤ 1.25 × same-node. Reported, not asserted.
 */
import { join } from 'node:path';
import { startCluster, type Cluster } from '../lib/cluster.ts';
import { checkDelivery } from '../lib/integrity.ts';
import type { Integrity } from '../lib/load.ts';
import { CROSS_NODE_CPU_TARGET, cpuPerMessageUs, crossNodeVerdict, PLACEMENTS, placeSockets, type Placement } from '../lib/placement.ts';
import { forkTs, readCpuSeconds, sleep, type NodeChild } from '../lib/procs.ts';
import { table } from '../lib/report.ts';
import { measureWindow, type MeasuredRun, type WatchedPids } from '../lib/session.ts';
import { fmtMs, fmtRate } from '../lib/stats.ts';

export interface CrossNodeOptions {
  /** Sender/recipient pairs per placement. */
  pairs: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
  /** Offered load of the paced runs, as a fraction of the same-node max. */
  pacedFraction: number;
  pacedDurationMs: number;
  /** A window with every socket connected and nothing sent: the nodes' CPU that is not per message. */
  idleMs: number;
  nodeFlags?: string[];
}

export interface PlacementFigures {
  placement: Placement;
  max: MeasuredRun;
  paced: MeasuredRun | null;
  /** Mean sends per group commit on node A during the closed-loop run. */
  meanBatch: number | null;
  sent: number;
  stored: number;
  ok: boolean;
}

export interface CrossNodeFigures {
  pairs: number;
  inflight: number;
  pacedRate: number | null;
  /** Cores both nodes use with every socket connected and nothing sent (timers, heartbeats, pings). */
  idleNodeCores: number;
  runs: PlacementFigures[];
}

const here = new URL('..', import.meta.url).pathname;

interface Group {
  placement: Placement;
  loader: NodeChild;
  userIds: string[];
}

export async function measureCrossNode(opts: CrossNodeOptions): Promise<CrossNodeFigures> {
  console.log(`\n[cross-node] 2 nodes on FerretDB + redis-server; ${opts.pairs} sender/recipient pairs per placement, ${opts.inflight} in flight per sender`);
  const cluster = await startCluster({ nodes: 2, nodeFlags: opts.nodeFlags });
  const groups: Group[] = [];
  try {
    const [a, b] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    for (const placement of PLACEMENTS) {
      const users = await cluster.users(opts.pairs * 2, `x${placement[0]}${Date.now().toString(36)}_`);
      const loader = forkTs(join(here, 'workers/load.ts'), { label: `load generator (${placement})` });
      groups.push({ placement, loader, userIds: users.map((u) => u.id) });
      await loader.call('connect', { url: a.url, users, ...placeSockets(users.length, placement, a.url, b.url) });
    }
    const pids: WatchedPids = {
      server: [a.pid, b.pid],
      load: groups.map((g) => g.loader.pid),
      store: [cluster.ferretPid],
      named: { 'node A': a.pid, 'node B': b.pid, 'redis-server': cluster.redisPid },
    };

    await sleep(1000); // presence announcements of the sockets just connected settle first
    const idleNodeCores = await idleCores(pids.server, opts.idleMs);
    console.log(`  idle: nodes ${idleNodeCores.toFixed(3)} cores with ${opts.pairs * 4} sockets connected and nothing sent`);
    const runs = new Map<Placement, PlacementFigures>();
    for (const g of groups) {
      const s0 = await cluster.sendStats(0);
      const max = await measureWindow(g.loader, 'closed', { inflight: opts.inflight, warmupMs: opts.warmupMs, durationMs: opts.durationMs }, pids);
      const s1 = await cluster.sendStats(0);
      const meanBatch = s1.batches > s0.batches ? (s1.sends - s0.sends) / (s1.batches - s0.batches) : null;
      console.log(`  ${g.placement} max: ${describe(max)}`);
      runs.set(g.placement, { placement: g.placement, max, paced: null, meanBatch, sent: 0, stored: 0, ok: false });
    }
    const sameMax = runs.get('same-node')!.max.completedRate;
    const pacedRate = sameMax > 0 ? Math.max(1, Math.round(sameMax * opts.pacedFraction)) : null;
    for (const g of pacedRate ? groups : []) {
      const paced = await measureWindow(g.loader, 'open', { rate: pacedRate, warmupMs: Math.min(1000, opts.warmupMs), durationMs: opts.pacedDurationMs }, pids);
      console.log(`  ${g.placement} paced at ${fmtRate(pacedRate!)}/s: ${describe(paced)}`);
      runs.get(g.placement)!.paced = paced;
    }
    for (const g of groups) {
      const integrity = await g.loader.call<Integrity>('check');
      const store = await cluster.storeCheck(g.userIds);
      const r = runs.get(g.placement)!;
      r.ok = checkDelivery(`cross-node/${g.placement}`, integrity, store, true);
      r.sent = integrity.sent;
      r.stored = store.messages;
      console.log(`  ${g.placement} integrity: sent ${integrity.sent}, acked ${integrity.acked}, delivered ${integrity.delivered}, stored ${store.messages} — ${r.ok ? 'ok' : 'FAILED'}`);
    }
    return { pairs: opts.pairs, inflight: opts.inflight, pacedRate, idleNodeCores, runs: PLACEMENTS.map((p) => runs.get(p)!) };
  } finally {
    await Promise.all(groups.map((g) => g.loader.stop()));
    await cluster.stop();
  }
}

async function idleCores(pids: number[], ms: number): Promise<number> {
  const sum = () => pids.reduce((a, pid) => a + readCpuSeconds(pid), 0);
  const c0 = sum();
  const t0 = performance.now();
  await sleep(ms);
  return (sum() - c0) / ((performance.now() - t0) / 1000);
}

const nodeUs = (r: MeasuredRun) => cpuPerMessageUs(r.cpu.server, r.completedRate);
/** Net of the idle cost, which is the same for both placements and would pull their ratio towards 1. */
const netUs = (r: MeasuredRun, idle: number) => cpuPerMessageUs(r.cpu.server - idle, r.completedRate);
const us = (v: number) => (Number.isFinite(v) ? fmtRate(v) : '–');
const lat = (s: { p50: number; p95: number; p99: number }) => `${fmtMs(s.p50)} / ${fmtMs(s.p95)} / ${fmtMs(s.p99)}`;
const cores = (r: MeasuredRun, name: string) => (r.cpu.perProcess?.[name] ?? NaN).toFixed(2);

function describe(r: MeasuredRun): string {
  return (
    `${fmtRate(r.completedRate)} msgs/s, delivery p50/p99 ${fmtMs(r.delivery.p50)}/${fmtMs(r.delivery.p99)} ms, ` +
    `nodes ${r.cpu.server.toFixed(2)} cores (A ${cores(r, 'node A')}, B ${cores(r, 'node B')}) = ${us(nodeUs(r))} µs/msg, ` +
    `FerretDB ${r.cpu.store.toFixed(2)}, redis ${cores(r, 'redis-server')}, machine ${r.cpu.machine.toFixed(2)}${r.overloaded ? ' OVERLOADED' : ''}`
  );
}

export function renderCrossNode(f: CrossNodeFigures): string {
  const rows: string[][] = [];
  for (const p of f.runs)
    for (const [mode, r] of [['closed loop (max)', p.max], [`paced at ${fmtRate(f.pacedRate ?? NaN)}/s`, p.paced]] as const) {
      if (!r) continue;
      rows.push([
        p.placement,
        mode,
        fmtRate(r.completedRate) + (r.overloaded ? ' (overloaded)' : ''),
        lat(r.ack),
        lat(r.delivery),
        `${cores(r, 'node A')} + ${cores(r, 'node B')}`,
        us(nodeUs(r)),
        us(netUs(r, f.idleNodeCores)),
        r.cpu.store.toFixed(2),
        cores(r, 'redis-server'),
        r === p.max && p.meanBatch ? p.meanBatch.toFixed(1) : '–',
        r === p.max ? `${p.ok ? '✔' : '✘'} ${fmtRate(p.sent)} sent = ${fmtRate(p.stored)} stored` : '',
      ]);
    }
  const [same, cross] = f.runs;
  const targets: string[] = [];
  const ratioText = (v: { ratio: number }) => (Number.isFinite(v.ratio) ? `${v.ratio.toFixed(2)} ×` : '–');
  if (same?.paced && cross?.paced) {
    const net = crossNodeVerdict(netUs(same.paced, f.idleNodeCores), netUs(cross.paced, f.idleNodeCores));
    const gross = crossNodeVerdict(nodeUs(same.paced), nodeUs(cross.paced));
    targets.push(
      `- ${net.met ? '✔ met' : '✘ not met'}: cross-node server CPU per message ≤ ${CROSS_NODE_CPU_TARGET} × same-node (paced, equal load, net of the idle ` +
        `${f.idleNodeCores.toFixed(2)} cores) — measured ${us(netUs(cross.paced, f.idleNodeCores))} vs ${us(netUs(same.paced, f.idleNodeCores))} µs = ${ratioText(net)}; ` +
        `gross ${us(nodeUs(cross.paced))} vs ${us(nodeUs(same.paced))} µs = ${ratioText(gross)}`,
    );
  } else targets.push('- ✘ not measured: the paced runs did not happen (no same-node maximum)');
  if (same && cross) {
    const v = crossNodeVerdict(nodeUs(same.max), nodeUs(cross.max));
    targets.push(`- (closed loop, for reference) cross-node ${us(nodeUs(cross.max))} vs same-node ${us(nodeUs(same.max))} µs/msg = ${ratioText(v)}`);
    if (same.paced && cross.paced)
      targets.push(`- (no target) p99 send→delivery at equal load: cross-node ${fmtMs(cross.paced.delivery.p99)} ms vs same-node ${fmtMs(same.paced.delivery.p99)} ms`);
  }
  return [
    `### 8. Cross-node vs same-node send path (2 nodes, FerretDB + redis-server)`,
    `Two Pigeon processes on one FerretDB and one redis-server. ${f.pairs} senders on node A, each sending to its own recipient: on node A (same-node) ` +
      `or on node B (cross-node, delivered through the Redis adapter); closed loop with ${f.inflight} sends awaiting their ack per sender, then both placements ` +
      `paced at the same offered rate. A message counts when acked and delivered. Node CPU = CPU time of both node processes over the window (cores), ` +
      `per message in µs, also net of what both nodes use idle with every socket connected (${f.idleNodeCores.toFixed(2)} cores, measured first); the target is judged net, ` +
      `since a cost both placements share would pull their ratio towards 1; latencies in ms, p50 / p95 / p99, from the load generator that holds both ends.`,
    '',
    table(
      ['placement', 'run', 'msgs/s', 'send→ack', 'send→delivery', 'CPU node A + B', 'node CPU µs/msg', 'net of idle µs/msg', 'CPU FerretDB', 'CPU redis', 'sends/commit (A)', 'checked'],
      rows,
    ),
    '',
    '**Target** (reported, not asserted):',
    '',
    ...targets,
  ].join('\n');
}
