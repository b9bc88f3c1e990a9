/**
 * Child processes of the bench: servers and load generators run in their own
 * Node processes (so client CPU is not charged to the server), driven over IPC
 * with a tiny request/response protocol. Every child started here is tracked
 * and stopped on exit, even when the bench fails.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import net from 'node:net';

export interface RpcRequest {
  id: number;
  cmd: string;
  args?: unknown;
}
export type RpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
export type ChildEvent = { event: string; data?: unknown };

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

export interface NodeChild {
  readonly pid: number;
  readonly proc: ChildProcess;
  call<T = unknown>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Resolves with the data of the next event of that name sent by the child. */
  once<T = unknown>(event: string, timeoutMs?: number): Promise<T>;
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface ForkOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Extra Node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  label: string;
}

/** Forks a TypeScript entry under tsx with an IPC channel. */
export function forkTs(entry: string, opts: ForkOptions): NodeChild {
  const proc = fork(entry, opts.args ?? [], {
    execArgv: [...(opts.nodeFlags ?? []), '--import', 'tsx'],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(proc);
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const waiters = new Map<string, Array<(data: unknown) => void>>();
  let exited: { code: number | null } | null = null;
  const exitWaiters: Array<(code: number | null) => void> = [];

  proc.on('message', (raw) => {
    const msg = raw as RpcReply | ChildEvent;
    if ('event' in msg) {
      const list = waiters.get(msg.event);
      const fn = list?.shift();
      if (fn) fn(msg.data);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`${opts.label}: ${msg.error}`));
  });
  proc.on('exit', (code, signal) => {
    live.delete(proc);
    exited = { code: code ?? (signal ? -1 : null) };
    for (const p of pending.values()) p.reject(new Error(`${opts.label} exited (code ${code}, signal ${signal})`));
    pending.clear();
    for (const w of exitWaiters) w(exited.code);
  });

  const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${opts.label}: ${what} timed out after ${ms} ms`)), ms);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });

  return {
    get pid() {
      return proc.pid!;
    },
    proc,
    call<T>(cmd: string, args?: unknown, timeoutMs = 600_000) {
      if (exited) return Promise.reject(new Error(`${opts.label} is not running`));
      const id = nextId++;
      const p = new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      });
      proc.send({ id, cmd, args } satisfies RpcRequest);
      return withTimeout(p, timeoutMs, cmd);
    },
    once<T>(event: string, timeoutMs = 120_000) {
      const p = new Promise<T>((resolve, reject) => {
        const list = waiters.get(event) ?? [];
        list.push(resolve as (d: unknown) => void);
        waiters.set(event, list);
        proc.once('exit', (code) => reject(new Error(`${opts.label} exited (code ${code}) before "${event}"`)));
      });
      return withTimeout(p, timeoutMs, `waiting for ${event}`);
    },
    async stop(timeoutMs = 20_000) {
      if (exited) return exited.code;
      const done = new Promise<number | null>((resolve) => exitWaiters.push(resolve));
      try {
        proc.send({ id: 0, cmd: 'exit' } satisfies RpcRequest);
      } catch {
        proc.kill('SIGTERM');
      }
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await done;
      clearTimeout(t);
      return code;
    },
  };
}

let profiler: Session | null = null;

/**
 * Commands every child answers: `mem` runs a full GC when exposed (--expose-gc), then
 * reports memory; `profileStart` / `profileStop` { path } take a V8 CPU profile of
 * just the window between them (unlike --cpu-prof, which covers start-up and setup too).
 */
const builtins: Record<string, (args: unknown) => unknown> = {
  profileStart: async () => {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  },
  profileStop: async (args) => {
    if (!profiler) throw new Error('profileStop without profileStart');
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    profiler = null;
    writeFileSync((args as { path: string }).path, JSON.stringify(profile));
    return (args as { path: string }).path;
  },
  mem: () => {
    (globalThis as { gc?: () => void }).gc?.();
    return { ...process.memoryUsage(), rssProc: readRss(process.pid) };
  },
};

/** Child side: answers the parent's calls; `exit` runs `onExit` then exits 0 (so --cpu-prof is written). */
export function serveRpc(handlers: Record<string, (args: unknown) => unknown>, onExit?: () => Promise<void> | void): void {
  if (!process.send) throw new Error('serveRpc: not started with an IPC channel');
  const send = (m: RpcReply | ChildEvent) => process.send!(m);
  process.on('message', async (raw) => {
    const req = raw as RpcRequest;
    if (req.cmd === 'exit') {
      try {
        await onExit?.();
      } finally {
        process.exit(0);
      }
    }
    const h = handlers[req.cmd] ?? builtins[req.cmd];
    if (!h) return send({ id: req.id, ok: false, error: `unknown command ${req.cmd}` });
    try {
      send({ id: req.id, ok: true, result: await h(req.args) });
    } catch (e) {
      send({ id: req.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', async () => {
    await onExit?.();
    process.exit(0);
  });
}

export function emitToParent(event: string, data?: unknown): void {
  process.send?.({ event, data } satisfies ChildEvent);
}

/** Resident set size of a process in bytes (VmRSS from /proc/PID/status). */
export function readRss(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** User + system CPU time of a process in seconds (/proc/PID/stat, clock ticks of 100 Hz). */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Main thread of a process: seconds on a CPU and seconds runnable but waiting for one (/proc/PID/schedstat). */
export function readSchedstat(pid: number): { onCpu: number; runqueue: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return { onCpu: (run ?? 0) / 1e9, runqueue: (wait ?? 0) / 1e9 };
}

/** Busy and total CPU seconds of the whole machine since boot (/proc/stat, all cores). */
export function readMachineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

export interface ExternalProc {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts a non-Node service (FerretDB) and waits until its TCP port accepts connections. */
export async function spawnService(cmd: string, args: string[], port: number, label: string): Promise<ExternalProc> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  live.add(proc);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', (code) => {
      exitCode = code;
      live.delete(proc);
      resolve();
    }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${label} exited with code ${exitCode} during start-up`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${label} did not listen on 127.0.0.1:${port} within 30 s`);
    }
    await sleep(100);
  }
  return {
    pid: proc.pid!,
    async stop() {
      if (exitCode !== undefined) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A free TCP port on 127.0.0.1 (for services that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
