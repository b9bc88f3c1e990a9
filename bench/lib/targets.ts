/**
 * The servers a figure can run against, each in its own child process:
 *  - `bare`: bench/servers/bare.ts, the Socket.io baseline (no storage, no validation);
 *  - `sqlite` / `mongodb`: the Pigeon server (bench/servers/pigeon.ts) on the embedded
 *    SQLite store or on MongoDB (FerretDB, started here on 127.0.0.1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchUser } from './load.ts';
import { forkTs, type NodeChild } from './procs.ts';
import { startFerret, type Ferret } from './ferret.ts';

export type TargetKind = 'bare' | 'sqlite' | 'mongodb';

export interface StoreCheck {
  /** Messages sent by users (a group's system messages apart). */
  messages: number;
  /** A group's changes (group-created …), each with its seq; absent for the bare server. */
  systemMessages?: number;
  duplicateClientIds: number;
  seqGaps: number;
  perSender: Record<string, number>;
}

export interface SendStats {
  batches: number;
  sends: number;
  largestBatch: number;
  /** Wall ms with a group commit in flight. */
  commitMs: number;
}

export interface Target {
  readonly kind: TargetKind;
  /** url, pid and child change on restart(). */
  readonly url: string;
  readonly pid: number;
  readonly child: NodeChild;
  /** The database process when it is separate (FerretDB for mongodb), else null. */
  readonly storePid: number | null;
  /** mongodb:// URI of FerretDB (diagnostics), else null. */
  readonly storeUri: string | null;
  /** A new server process on the same data (users and tokens stay valid). */
  restart(): Promise<void>;
  /** Registers (or, for bare, names) `n` users. */
  users(n: number, prefix: string): Promise<BenchUser[]>;
  /**
   * What the store holds for these users, and in these conversations (the groups of figure 9;
   * on SQLite their messages are read through `userIds`' feeds, one member per group is enough).
   * Bare: only a count of messages handled.
   */
  storeCheck(userIds: string[], conversationIds?: string[]): Promise<StoreCheck>;
  /** Group-commit counters of the Pigeon server (null for bare). */
  sendStats(): Promise<SendStats | null>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Extra node flags for the server child (e.g. --cpu-prof). */
  nodeFlags?: string[];
  label?: string;
}

const here = new URL('..', import.meta.url).pathname;

/** A server child that can be restarted in place: `url`, `pid` and `child` always name the current one. */
async function restartableServer(script: string, forkOptions: Parameters<typeof forkTs>[1]) {
  const boot = async () => {
    const child = forkTs(join(here, script), forkOptions);
    return { child, url: (await child.once<{ url: string }>('ready')).url };
  };
  let current: { child: NodeChild; url: string } = await boot();
  return {
    get url() {
      return current.url;
    },
    get pid() {
      return current.child.pid;
    },
    get child() {
      return current.child;
    },
    async restart() {
      await current.child.stop();
      current = await boot();
    },
  };
}

export async function startTarget(kind: TargetKind, opts: TargetOptions = {}): Promise<Target> {
  const label = opts.label ?? `${kind} server`;
  if (kind === 'bare') {
    const server = await restartableServer('servers/bare.ts', { label, nodeFlags: opts.nodeFlags });
    // Object.assign keeps the getters of `server` (it is the target, not a source).
    return Object.assign(server, {
      kind,
      storePid: null,
      storeUri: null,
      async users(n: number, prefix: string) {
        return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, token: `${prefix}${i}` }));
      },
      async storeCheck() {
        const { messages } = await server.child.call<{ messages: number }>('count');
        return { messages, duplicateClientIds: 0, seqGaps: 0, perSender: {} };
      },
      sendStats: async () => null,
      async stop() {
        await server.child.stop();
      },
    });
  }

  const dataDir = mkdtempSync(join(tmpdir(), `pigeon-bench-${kind}-`));
  let ferret: Ferret | null = null;
  try {
    if (kind === 'mongodb') ferret = await startFerret(join(dataDir, 'ferretdb'));
    const server = await restartableServer('servers/pigeon.ts', {
      label,
      nodeFlags: opts.nodeFlags,
      env: {
        BENCH_DATA_DIR: join(dataDir, 'server'),
        BENCH_MONGODB_URI: ferret?.uri ?? '',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
    });
    return Object.assign(server, {
      kind,
      storePid: ferret?.pid ?? null,
      storeUri: ferret?.uri ?? null,
      users: (n: number, prefix: string) => registerUsers(server.url, n, prefix),
      // Bounded: a wedged database must fail the bench, not hang it.
      storeCheck: (userIds: string[], conversationIds?: string[]) => server.child.call<StoreCheck>('storeCheck', { userIds, conversationIds }, 180_000),
      sendStats: () => server.child.call<SendStats>('sendStats'),
      async stop() {
        await server.child.stop();
        await ferret?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    });
  } catch (e) {
    await ferret?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/** Registers users over the public REST API, a few at a time (password hashing is slow on purpose). */
export async function registerUsers(url: string, n: number, prefix: string, concurrency = 8): Promise<BenchUser[]> {
  const out: BenchUser[] = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `${prefix}${i}`, password: 'bench-password-1', displayName: `Bench ${i}` }),
      });
      if (res.status !== 201) throw new Error(`register ${prefix}${i}: HTTP ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { token: string; user: { id: string } };
      out[i] = { id: body.user.id, token: body.token };
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}
