/**
 * A load session: one server child (a Target) plus one load-generator child,
 * `clients` sockets connected in pairs (socket 2k sends to 2k+1 and back).
 * Server and load generator are separate processes; the bench process itself
 * only orchestrates and samples /proc, so on a 2-core machine each child has
 * roughly one core.
 */
import { join } from 'node:path';
import type { Integrity, RunResult } from './load.ts';
import { forkTs, readCpuSeconds, readMachineCpu, readSchedstat, type NodeChild } from './procs.ts';
import { startTarget, type StoreCheck, type Target, type TargetKind, type TargetOptions } from './targets.ts';

export interface CpuShare {
  /** CPU seconds per wall second during the measurement window (1.0 = one full core). */
  server: number;
  load: number;
  /** FerretDB, for the MongoDB store (0 otherwise). */
  store: number;
  /** Every process on the machine (other engineers' work included), in cores. */
  machine: number;
  /**
   * The server's main thread over the window, as shares of wall time: on a CPU, runnable but
   * waiting for a CPU (other processes), and the rest: blocked (I/O such as fsync, or idle).
   */
  mainThread: { onCpu: number; waitingForCpu: number; blockedOrIdle: number };
  /** CPU share of each process named in WatchedPids.named. */
  perProcess?: Record<string, number>;
}

export interface MeasuredRun extends RunResult {
  cpu: CpuShare;
}

export interface Session {
  readonly target: Target;
  readonly load: NodeChild;
  readonly userIds: string[];
  /** profile: write a CPU profile of the server child over the measurement window to this path. */
  closed(args: { inflight: number; warmupMs: number; durationMs: number }, profile?: string): Promise<MeasuredRun>;
  open(args: { rate: number; warmupMs: number; durationMs: number }, profile?: string): Promise<MeasuredRun>;
  /** Loader's integrity totals and the store's view of the same users. */
  verify(): Promise<{ integrity: Integrity; store: StoreCheck }>;
  stop(): Promise<void>;
}

const here = new URL('..', import.meta.url).pathname;

export async function startSession(kind: TargetKind, clients: number, opts: TargetOptions = {}): Promise<Session> {
  const target = await startTarget(kind, opts);
  let load: NodeChild | null = null;
  try {
    const users = await target.users(clients, `bench${Date.now().toString(36)}_`);
    load = forkTs(join(here, 'workers/load.ts'), { label: 'load generator' });
    const peers = users.map((_, i) => (i % 2 === 0 ? i + 1 : i - 1)).map((p) => (p < users.length ? p : 0));
    await load.call('connect', { url: target.url, users, peers });
    const loader = load;

    const measure = (cmd: 'closed' | 'open', args: unknown, profile?: string): Promise<MeasuredRun> =>
      measureWindow(loader, cmd, args, { server: [target.pid], load: [loader.pid], store: target.storePid ? [target.storePid] : [] }, {
        start: profile ? () => target.child.call('profileStart') : undefined,
        end: profile ? () => target.child.call('profileStop', { path: profile }) : undefined,
      });

    return {
      target,
      load: loader,
      userIds: users.map((u) => u.id),
      closed: (args, profile) => measure('closed', args, profile),
      open: (args, profile) => measure('open', args, profile),
      async verify() {
        const integrity = await loader.call<Integrity>('check');
        const store = await target.storeCheck(users.map((u) => u.id));
        return { integrity, store };
      },
      async stop() {
        await loader.stop();
        await target.stop();
      },
    };
  } catch (e) {
    await load?.stop();
    await target.stop();
    throw e;
  }
}

/** Processes whose CPU a window charges; `server[0]`'s main thread is also sampled (schedstat). */
export interface WatchedPids {
  server: number[];
  load: number[];
  /** The database (FerretDB), if separate. */
  store: number[];
  /** Anything else worth its own figure (e.g. redis-server, each node), by name; in `cpu.perProcess`. */
  named?: Record<string, number>;
}

/**
 * Runs one load command (`closed` / `open`) on a load-generator child and samples /proc for
 * `pids` when the generator opens and closes its measurement window, so CPU covers exactly
 * the window. `hooks` run right after each sample (a CPU profile of the window). `R`: what the
 * generator answers (RunResult; GroupRunResult for figure 9's group generator).
 */
export async function measureWindow<R extends object = RunResult>(
  loader: NodeChild,
  cmd: 'closed' | 'open',
  args: unknown,
  pids: WatchedPids,
  hooks: { start?: () => Promise<unknown>; end?: () => Promise<unknown> } = {},
): Promise<R & { cpu: CpuShare }> {
  const sum = (list: number[]) => list.reduce((a, pid) => a + readCpuSeconds(pid), 0);
  const named = Object.entries(pids.named ?? {});
  const sample = () => ({
    server: sum(pids.server),
    load: sum(pids.load),
    store: sum(pids.store),
    machine: readMachineCpu().busy,
    ...readSchedstat(pids.server[0]!),
    named: named.map(([, pid]) => readCpuSeconds(pid)),
    t: performance.now(),
  });
  let startCpu = sample();
  let endCpu = startCpu;
  const started = loader.once('window-start').then(async () => {
    startCpu = sample();
    await hooks.start?.();
  });
  const ended = started
    .then(() => loader.once('window-end'))
    .then(async () => {
      endCpu = sample();
      await hooks.end?.();
    });
  const result = await loader.call<R>(cmd, args);
  await Promise.all([started, ended]);
  const wall = (endCpu.t - startCpu.t) / 1000;
  const share = (k: 'server' | 'load' | 'store' | 'machine' | 'onCpu' | 'runqueue') => (endCpu[k] - startCpu[k]) / wall;
  const onCpu = share('onCpu');
  const waitingForCpu = share('runqueue');
  return {
    ...result,
    cpu: {
      server: share('server'),
      load: share('load'),
      store: share('store'),
      machine: share('machine'),
      mainThread: { onCpu, waitingForCpu, blockedOrIdle: Math.max(0, 1 - onCpu - waitingForCpu) },
      ...(named.length ? { perProcess: Object.fromEntries(named.map(([name], i) => [name, (endCpu.named[i]! - startCpu.named[i]!) / wall])) } : {}),
    },
  };
}
