/**
 * Figure 6: server memory per idle connection. The server runs in a child process;
 * users are registered first, then the server is restarted on the same data so
 * password hashing (scrypt, 32 MiB per hash) leaves no high-water mark behind.
 * RSS (VmRSS from /proc/PID/status) is read after a full GC before and after `sockets`
 * authenticated sockets connect from the load-generator child and sit idle.
 * Baseline in the same run: the bare Socket.io server with the same sockets.
 */
import { join } from 'node:path';
import type { BenchUser } from '../lib/load.ts';
import { forkTs, readRss, sleep } from '../lib/procs.ts';
import { table } from '../lib/report.ts';
import { fmtBytes } from '../lib/stats.ts';
import { startTarget, type TargetKind } from '../lib/targets.ts';

export interface MemoryOptions {
  sockets: number;
  stores: TargetKind[];
  nodeFlags?: string[];
}

export interface MemoryRow {
  kind: TargetKind;
  sockets: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  perSocket: number;
  connectMs: number;
}
export type MemoryFigures = MemoryRow[];

const here = new URL('..', import.meta.url).pathname;

export async function measureMemory(opts: MemoryOptions): Promise<MemoryFigures> {
  const rows: MemoryRow[] = [];
  for (const kind of ['bare', ...opts.stores] as TargetKind[]) rows.push(await measureOne(kind, opts));
  return rows;
}

interface Mem {
  rssProc: number;
  heapUsed: number;
}

async function measureOne(kind: TargetKind, opts: MemoryOptions): Promise<MemoryRow> {
  console.log(`\n[memory] ${kind}: ${opts.sockets} idle sockets`);
  const nodeFlags = [...(opts.nodeFlags ?? []), '--expose-gc'];
  const target = await startTarget(kind, { nodeFlags, label: `${kind} server (memory)` });
  const load = forkTs(join(here, 'workers/load.ts'), { label: 'load generator (memory)' });
  try {
    const users: BenchUser[] = await target.users(opts.sockets, `mem${Date.now().toString(36)}_`);
    await target.restart();
    await sleep(1000);
    const before = await settled(target.child.call.bind(target.child));
    const rssBefore = readRss(target.pid);
    const { ms } = await load.call<{ connected: number; ms: number }>('connect', { url: target.url, users, batch: 50 });
    await sleep(2000);
    const after = await settled(target.child.call.bind(target.child));
    const rssAfter = readRss(target.pid);
    const perSocket = (rssAfter - rssBefore) / opts.sockets;
    console.log(`  RSS ${fmtBytes(rssBefore)} → ${fmtBytes(rssAfter)}: ${fmtBytes(perSocket)} per connection (heap ${fmtBytes(before.heapUsed)} → ${fmtBytes(after.heapUsed)})`);
    return { kind, sockets: opts.sockets, rssBefore, rssAfter, heapBefore: before.heapUsed, heapAfter: after.heapUsed, perSocket, connectMs: ms };
  } finally {
    await load.stop();
    await target.stop();
  }
}

/** Two GCs a little apart, so finalizers and freed pages settle. */
async function settled(call: <T>(cmd: string) => Promise<T>): Promise<Mem> {
  await call<Mem>('mem');
  await sleep(300);
  return call<Mem>('mem');
}

export function renderMemory(rows: MemoryFigures): string {
  if (rows.length === 0) return '';
  const bare = rows.find((r) => r.kind === 'bare');
  return [
    `### 6. Memory per idle connection`,
    `Server in a child process; ${rows[0]!.sockets.toLocaleString('en-US')} authenticated sockets (one per user) connect from the load-generator child and stay idle. ` +
      `RSS = VmRSS of the server process from /proc, read after a full GC (\`--expose-gc\`) before and 2 s after connecting; users were registered in an earlier ` +
      `process on the same data so scrypt's buffers are not in the "before" figure. Baseline: the bare Socket.io server.`,
    '',
    table(
      ['server', 'RSS before', 'RSS after', 'per connection (RSS)', 'JS heap per connection', 'vs bare'],
      rows.map((r) => [
        r.kind === 'bare' ? 'bare Socket.io (baseline)' : `Pigeon, ${r.kind}`,
        fmtBytes(r.rssBefore),
        fmtBytes(r.rssAfter),
        fmtBytes(r.perSocket),
        fmtBytes((r.heapAfter - r.heapBefore) / r.sockets),
        bare && r !== bare ? `${(r.perSocket / bare.perSocket).toFixed(1)} ×` : '1.0 ×',
      ]),
    ),
  ].join('\n');
}
