/**
 * One chaos run, start to finish: plan from the seed, start the cluster, run
 * the ops, heal, settle, check, and on failure write everything needed to
 * understand it. Always stops what it started, whatever happens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster, SLOW_DB_COMMAND_MS } from './cluster.ts';
import { ClusterRecorder, type ClusterRecord } from './cluster-record.ts';
import { History, writeDump } from './history.ts';
import { checkCluster, clusterFigures, healDeadline } from './invariants-cluster.ts';
import { checkAll, type CheckInput, type TokenReuse, type Violation } from './invariants.ts';
import { clusterPlan } from './plan-cluster.ts';
import { groupLine, type GroupStats } from './group-driver.ts';
import { withGroups } from './plan-groups.ts';
import { actionLine, type ActionStats } from './actor-actions.ts';
import { withActions } from './plan-actions.ts';
import { attachmentLine, type AttachmentStats } from './actor-attachments.ts';
import { withAttachments } from './plan-attachments.ts';
import { withBursts } from './plan-bursts.ts';
import { muteLine, type MuteStats } from './actor-mutes.ts';
import { withMutes } from './plan-mutes.ts';
import { profileLine, type ProfileStats } from './actor-profiles.ts';
import { withProfiles } from './plan-profiles.ts';
import { refusalRows } from './check-input.ts';
import { describeOp, makePlan } from './plan.ts';
import { createRng } from './rng.ts';
import { checkServerErrors, slowDatabaseCommands } from './server-log.ts';
import type { ServerProcess } from './server-process.ts';
import { World } from './world.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_OUT = path.join(REPO_ROOT, 'tests', 'chaos', 'out');

export interface RunOptions {
  seed: number;
  ops: number;
  /** Server nodes: 1 (SQLite) or 2 (MongoDB on a private FerretDB, a private redis-server). Default 1. */
  nodes?: number;
  /** How long to wait for convergence once faults stop. */
  settleMs?: number;
  outDir?: string;
  ackTimeoutMs?: number;
  /** The server's ACCESS_TOKEN_TTL (s). Default: the plan's, drawn from the seed (plan.ts TOKEN_TTLS_S). */
  tokenTtlS?: number;
  /** Write the dump even when the run passes. */
  alwaysDump?: boolean;
  /** Group ops (plan-groups.ts) between the plan's ops; default true. false: the seed's plan as it was before groups. */
  groups?: boolean;
  /** Message actions (plan-actions.ts) between the plan's ops, after the group ops; default true. false: the seed's plan as it was before #16. */
  actions?: boolean;
  /** Sends with files (plan-attachments.ts) between the plan's ops, after the actions; default true. false: the seed's plan as it was before #17. */
  attachments?: boolean;
  /** Mutes (plan-mutes.ts) between the plan's ops, after the sends with files; default true. false: the seed's plan as it was before #18. */
  mutes?: boolean;
  /** Profile changes (plan-profiles.ts) after the mutes; default true. false: the seed's plan as it was before #19 item 12. */
  profiles?: boolean;
  /** Offline bursts into one chat, cut mid-drain (plan-bursts.ts), after the profiles; default true. false: the seed's plan as it was before #20. */
  bursts?: boolean;
  log?: (line: string) => void;
  /**
   * Self-test only: runs after the ops, before the heal, to corrupt state on purpose
   * and prove the checks see it (a harness that can never fail proves nothing).
   */
  sabotage?: (world: World, server: ServerProcess) => Promise<void>;
  /** Keep the server's data dir after a failing run (default true: the SQLite file is evidence). */
  keepDataOnFailure?: boolean;
}

/** 2 nodes only: what the cluster checks measured. */
export type ClusterStats = ReturnType<typeof clusterFigures> & {
  nodeKills: number[];
  redisRestarts: number;
  failovers: number;
  moves: number;
  typing: number;
  /** Commands the database took ≥ MONGO_SLOW_COMMAND_MS to answer, over all nodes (server-log.ts). */
  slowDb: { count: number; slowestMs: number };
};

export interface RunResult {
  seed: number;
  ops: number;
  /** The command that replays this run. */
  replay: string;
  ok: boolean;
  violations: Violation[];
  dumpPath: string | null;
  stats: {
    durationMs: number;
    opsMs: number;
    /** Faults off, every device back to its own user, the guests' leftover messages sent. */
    healMs: number;
    settleMs: number;
    settled: boolean;
    accepted: number;
    devices: number;
    users: number;
    serverKills: number;
    reloads: number;
    /** Account switches (sign out, another account signs in), the heal's included. */
    switches: number;
    /** Sign-outs that left messages in the outbox (parked when the next account signed in). */
    signedOutWithUnsent: number;
    /** Messages sent by an account on another user's device. */
    acceptedAsGuest: number;
    /** POST /api/auth/refresh requests that left the devices (through their proxies). */
    refreshes: number;
    /** The fewest refresh requests of one device. */
    fewestRefreshes: number;
    tokenTtlS: number;
    connections: number;
    refused: number;
    cuts: number;
    stalls: number;
    /** Upload requests (POST /api/attachments) that left the devices, and those torn down before their answer. */
    uploads: number;
    uploadsCut: number;
    nodes: number;
    cluster: ClusterStats | null;
    groups: GroupStats | null;
    actions: ActionStats | null;
    attachments: AttachmentStats | null;
    mutes: MuteStats | null;
    profiles: ProfileStats | null;
  };
}

export const replayCommand = (seed: number, ops: number, tokenTtlS?: number, nodes = 1, groups = true, actions = true, attachments = true, mutes = true, profiles = true, bursts = true) =>
  `npm run chaos -- ${nodes > 1 ? `--nodes ${nodes} ` : ''}--seed ${seed} --ops ${ops}${tokenTtlS !== undefined ? ` --token-ttl ${tokenTtlS}` : ''}${groups ? '' : ' --no-groups'}${actions ? '' : ' --no-actions'}${attachments ? '' : ' --no-attachments'}${mutes ? '' : ' --no-mutes'}${profiles ? '' : ' --no-profiles'}${bursts ? '' : ' --no-bursts'}`;

export async function runChaos(options: RunOptions): Promise<RunResult> {
  const { seed, ops } = options;
  const nodes = options.nodes ?? 1;
  const groups = options.groups ?? true;
  const actions = options.actions ?? true;
  const attachments = options.attachments ?? true;
  const mutes = options.mutes ?? true;
  const profiles = options.profiles ?? true;
  const bursts = options.bursts ?? true;
  const replay = replayCommand(seed, ops, options.tokenTtlS, nodes, groups, actions, attachments, mutes, profiles, bursts);
  const log = options.log ?? (() => {});
  const settleDeadline = options.settleMs ?? 30_000;
  const started = Date.now();
  const rng = createRng(seed);
  const base = makePlan(rng.derive('plan'), ops);
  // The 2-node plan is the 1-node plan of the seed with the cluster's faults from their own stream.
  const planned = nodes > 1 ? clusterPlan(base, rng.derive('cluster')) : base;
  // Group ops go in last, from their own stream: the plan they join keeps its ops, order and gaps.
  const grouped = groups ? withGroups(planned, rng.derive('groups')) : planned;
  // Message actions last, from their own stream: they name messages by the final index of the op that sent them.
  const acted = actions ? withActions(grouped, rng.derive('actions')) : grouped;
  // Sends with files last, from their own stream; the actions' targets are moved past the ops inserted before them.
  const filed = attachments ? withAttachments(acted, rng.derive('attachments')) : acted;
  // Mutes last, from their own stream; the actions' targets are moved past the ops inserted before them.
  const muted = mutes ? withMutes(filed, rng.derive('mutes')) : filed;
  // Profile changes last, from their own stream, the same way.
  const profiled = profiles ? withProfiles(muted, rng.derive('profiles')) : muted;
  // Offline bursts last, from their own stream, the same way.
  const plan = bursts ? withBursts(profiled, rng.derive('bursts')) : profiled;
  if (options.tokenTtlS !== undefined) plan.tokenTtlS = options.tokenTtlS;
  const history = new History();
  const recorder = new ClusterRecorder(() => history.now());
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `pigeon-chaos-${seed}-`));
  const cluster = new Cluster({
    nodes,
    repoRoot: REPO_ROOT,
    workDir,
    seed,
    history,
    recorder,
    // Short-lived access tokens: every device refreshes every few seconds, faults or not.
    env: { ACCESS_TOKEN_TTL: String(plan.tokenTtlS) },
  });
  const world = new World({ seed, plan, rng, cluster, recorder, history, ackTimeoutMs: options.ackTimeoutMs });
  log(
    `chaos seed=${seed} ops=${ops} nodes=${nodes} users=${plan.shape.devices.length}+${plan.shape.spares} spare devices=${plan.shape.devices.join('+')} ` +
      `tokens=${plan.tokenTtlS}s (replay: ${replay})`,
  );

  let violations: Violation[] = [];
  let final: CheckInput | null = null;
  let record: ClusterRecord | null = null;
  let settled = false;
  let settleMs = 0;
  let opsMs = 0;
  let healMs = 0;
  let crash: unknown = null;
  try {
    await world.setup();
    const opsStart = Date.now();
    await world.runOps();
    opsMs = Date.now() - opsStart;
    if (options.sabotage) await options.sabotage(world, cluster.first);
    const healStart = Date.now();
    await world.heal();
    healMs = Date.now() - healStart;
    const s = await world.settle(settleDeadline);
    settled = s.settled;
    settleMs = s.ms;
    if (nodes > 1) await coverLastKill(recorder, history);
    final = { ...s.last, tokenReuses: Object.values(cluster.logs()).flatMap((text) => tokenReuses(text)) };
    // Asked once, at the end (devices online, faults off): where each upload stands, and every participant's bytes.
    if (final.attachments) final.attachments = { ...final.attachments, uploads: await world.attachments.uploads(), downloads: await world.attachments.downloads(final.server) };
    violations = checkAll(final);
    if (nodes > 1) violations.push(...checkCluster((record = recorder.finish())), ...checkServerErrors(cluster.logs()));
    if (!settled) {
      violations.unshift({
        invariant: 'settled',
        message: `did not converge within ${s.ms} ms after faults stopped; last check: ${s.pending}; devices: ${world.deviceStates()}`,
      });
    }
  } catch (err) {
    crash = err;
    violations.push({ invariant: 'harness', message: `harness run aborted: ${err instanceof Error ? err.stack : String(err)}` });
  } finally {
    await world.teardown().catch(() => {});
    await cluster.stop().catch(() => {});
  }
  record ??= recorder.finish();

  const proxyStats = world.proxies.reduce(
    (acc, p) => ({
      refreshes: acc.refreshes + p.stats.refreshes,
      connections: acc.connections + p.stats.connections,
      refused: acc.refused + p.stats.refused,
      cuts: acc.cuts + p.stats.cuts,
      stalls: acc.stalls + p.stats.stalls,
      uploads: acc.uploads + p.stats.uploads,
      uploadsCut: acc.uploadsCut + p.stats.uploadsCut,
    }),
    { refreshes: 0, connections: 0, refused: 0, cuts: 0, stalls: 0, uploads: 0, uploadsCut: 0 },
  );
  const stats: RunResult['stats'] = {
    durationMs: Date.now() - started,
    opsMs,
    healMs,
    settleMs,
    settled,
    accepted: world.accepted.length,
    devices: world.devices.length,
    users: world.accounts.length,
    serverKills: cluster.kills(),
    reloads: world.devices.reduce((s, d) => s + d.reloads, 0),
    switches: world.devices.reduce((s, d) => s + d.switches, 0),
    fewestRefreshes: world.proxies.length > 0 ? Math.min(...world.proxies.map((p) => p.stats.refreshes)) : 0,
    signedOutWithUnsent: world.devices.reduce((s, d) => s + d.signedOutWithUnsent, 0),
    acceptedAsGuest: world.accepted.filter((a) => world.devices.find((d) => d.name === a.device)?.home.id !== a.senderId).length,
    tokenTtlS: plan.tokenTtlS,
    ...proxyStats,
    nodes,
    cluster:
      nodes > 1
        ? {
            ...clusterFigures(record),
            nodeKills: cluster.nodes.map((n) => n.kills),
            redisRestarts: cluster.redisRestarts,
            failovers: world.proxies.reduce((n, p) => n + p.stats.failovers, 0),
            moves: plan.ops.filter((p) => p.op.kind === 'move').length,
            typing: plan.ops.filter((p) => p.op.kind === 'type').length,
            slowDb: slowDatabaseCommands(cluster.logs()),
          }
        : null,
    groups: groups ? world.groups.stats(final?.devices ?? []) : null,
    actions: actions ? world.actions.stats((final?.devices ?? []).reduce((n, d) => n + refusalRows(d).length, 0)) : null,
    attachments: attachments ? world.attachments.stats() : null,
    mutes: mutes ? world.mutes.stats() : null,
    profiles: profiles ? world.profiles.stats() : null,
  };
  const ok = violations.length === 0;
  let dumpPath: string | null = null;
  // A run that converged only late is kept too: slow convergence is how a stuck retry looks.
  const slow = settled && settleMs > settleDeadline / 2;
  if (!ok || slow || options.alwaysDump) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    dumpPath = writeDump(path.join(options.outDir ?? DEFAULT_OUT, `seed-${seed}-ops-${ops}-${stamp}`), {
      'README.txt': summary(seed, ops, replay, violations, stats, workDir, crash),
      'violations.txt': explain(violations, history),
      'ops.txt': plan.ops.map((p) => `#${p.i} +${p.gapMs}ms ${describeOp(p.op)}`).join('\n'),
      'history.txt': history.toText(),
      'report.json': JSON.stringify(
        { seed, ops, shape: plan.shape, initialProfiles: plan.initialProfiles, stats, proxies: Object.fromEntries(world.proxies.map((p) => [p.name, p.stats])), violations },
        null,
        2,
      ),
      'final-state.json': JSON.stringify(final, null, 1),
      ...(nodes > 1 ? { 'cluster.json': JSON.stringify(record, null, 1) } : {}),
      ...cluster.logs(),
    });
    log(`chaos seed=${seed}: ${ok ? (slow ? `ok but slow to settle (${settleMs} ms)` : 'ok') : `${violations.length} violations`}; dump: ${dumpPath}`);
  }
  // The data dir is kept on failure (the SQLite file is evidence), removed otherwise.
  if (ok || options.keepDataOnFailure === false) fs.rmSync(workDir, { recursive: true, force: true });
  log(
    `chaos seed=${seed} ops=${ops}: ${ok ? 'PASS' : 'FAIL'} in ${(stats.durationMs / 1000).toFixed(1)} s — accepted ${stats.accepted}, server kills ${stats.serverKills}, reloads ${stats.reloads}, ` +
      `switches ${stats.switches} (${stats.signedOutWithUnsent} with unsent, ${stats.acceptedAsGuest} sent as a guest), refreshes ${stats.refreshes} (≥ ${stats.fewestRefreshes} per device, ${stats.tokenTtlS} s tokens), connections ${stats.connections}, cuts ${stats.cuts}, refused ${stats.refused}, stalls ${stats.stalls}; ${groupLine(stats.groups)}${actionLine(stats.actions)}${attachmentLine(stats.attachments, stats)}${muteLine(stats.mutes)}${profileLine(stats.profiles)}${clusterLine(stats.cluster)}ops ${(stats.opsMs / 1000).toFixed(1)} s (slowest ${world.slowestOp ? `${world.slowestOp.op} ${world.slowestOp.ms} ms` : '-'}), heal ${(stats.healMs / 1000).toFixed(1)} s, settle ${stats.settleMs} ms`,
  );
  return { seed, ops, replay, ok, violations, dumpPath, stats };
}

/** The server's warn lines about a revoked session (server/src/auth/sessions.ts), from its JSON log. */
export function tokenReuses(serverLog: string): TokenReuse[] {
  const out: TokenReuse[] = [];
  for (const line of serverLog.split('\n')) {
    if (!line.includes('refresh token reused')) continue;
    try {
      const e = JSON.parse(line) as { time?: number; userId?: string; sessionId?: string; sinceRotation?: number };
      out.push({ userId: e.userId ?? '?', sessionId: e.sessionId ?? '?', sinceRotationMs: e.sinceRotation ?? null, at: new Date(e.time ?? 0).toISOString() });
    } catch {
      out.push({ userId: '?', sessionId: '?', sinceRotationMs: null, at: line.slice(0, 200) });
    }
  }
  return out;
}

/**
 * The presence check looks 15 s past each kill (or past a Redis outage within those 15 s); a kill
 * in the run's last seconds is covered by waiting that long (devices stay connected, faults off)
 * instead of skipping it.
 */
async function coverLastKill(recorder: ClusterRecorder, history: History): Promise<void> {
  const rec = recorder.record;
  const last = Math.max(-Infinity, ...rec.events.filter((e) => e.kind === 'kill').map((e) => healDeadline(rec, e)));
  const wait = last + 500 - history.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

function clusterLine(c: ClusterStats | null): string {
  if (!c) return '';
  return (
    `node kills ${c.nodeKills.join('+')}, redis restarts ${c.redisRestarts}, failovers ${c.failovers}, moves ${c.moves}, typing ${c.typing}, ` +
    `socket sends ${c.socketSends} (slowest ack ${c.slowestAckMs} ms; ${c.acksWhileDying} while a node was dying, slowest ${c.slowestAckWhileDyingMs} ms), ` +
    `receipts ${c.receipts} (slowest ack ${c.slowestReceiptAckMs} ms, ${c.receiptsUnanswered} unanswered), presence checks ${c.presenceUsersChecked}, ` +
    `database commands ≥ ${SLOW_DB_COMMAND_MS} ms ${c.slowDb.count} (slowest ${c.slowDb.slowestMs} ms); `
  );
}

function summary(seed: number, ops: number, replay: string, violations: Violation[], stats: RunResult['stats'], workDir: string, crash: unknown): string {
  const counts = new Map<string, number>();
  for (const v of violations) counts.set(v.invariant, (counts.get(v.invariant) ?? 0) + 1);
  return [
    `Pigeon chaos run — seed ${seed}, ${ops} ops`,
    `replay: ${replay}`,
    `result: ${violations.length === 0 ? 'PASS' : 'FAIL'}`,
    ...[...counts].map(([k, n]) => `  ${k}: ${n}`),
    crash ? `harness crash: ${String(crash)}` : '',
    `stats: ${JSON.stringify(stats)}`,
    `server data dir and log: ${workDir}`,
    '',
    'files: violations.txt (each violation + the history of the keys involved), ops.txt (the plan),',
    'history.txt (everything that happened), final-state.json (server + device snapshots), server.log',
    '(2 nodes: node-0.log, node-1.log, redis.log, and cluster.json: kills, sockets per node, send acks, what devices showed)',
  ].join('\n');
}

/** Each violation with the lines of history that mention the messages it names (or the device it happened on). */
function explain(violations: Violation[], history: History): string {
  const line = (e: { t: number; op: number; kind: string; detail: string }) => `      ${e.t}ms op#${e.op} ${e.kind} ${e.detail}`;
  return violations
    .map((v, i) => {
      const keys = (v.keys ?? []).slice(0, 5);
      const story = keys.length > 0 ? history.story(keys).slice(-80).map(line) : [];
      const around = v.around ? history.around(v.around.device, v.around.t).slice(-60).map(line) : [];
      return [
        `[${i + 1}] ${v.invariant}: ${v.message}`,
        v.diff !== undefined ? `    diff: ${JSON.stringify(v.diff, null, 2).replace(/\n/g, '\n    ')}` : '',
        story.length > 0 ? `    history of ${keys.join(', ')} (and the account switches of the devices involved):\n${story.join('\n')}` : '',
        around.length > 0 ? `    ${v.around!.device} in the 5 s before:\n${around.join('\n')}` : '',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}
