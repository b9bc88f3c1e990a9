/**
 * The SQLite store alone, no sockets: `sendMessages` group commits of B messages over 100
 * conversations (200 users), in-process. Separates the store's cost per message from the
 * server's socket work when reading figure 1.
 *
 *   node --import tsx bench/tools/store-sqlite.ts [batch=500] [batches=40] [--thread]
 *
 * --thread: the store on its worker thread (what the server runs); CPU then counts both threads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore, createThreadedSqliteStore } from '../../server/src/store/sqlite/index.ts';
import { summarize } from '../lib/stats.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const threaded = process.argv.includes('--thread');
const batchSize = Number(args[0] ?? 500);
const batches = Number(args[1] ?? 40);
const dir = mkdtempSync(join(tmpdir(), 'pigeon-store-bench-'));
const store = await (threaded ? createThreadedSqliteStore : createSqliteStore)({ file: join(dir, 'pigeon.db') });
try {
  const users: string[] = [];
  for (let i = 0; i < 200; i++) users.push((await store.createUser({ username: `u${i}`, displayName: `U ${i}`, passwordHash: 'x' })).id);
  const times: number[] = [];
  // Main thread: ns on CPU, ns runnable but waiting for a CPU (other processes); the rest of the wall time is blocked (fsync).
  const sched = () => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
  const s0 = sched();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const batch = Array.from({ length: batchSize }, (_, i) => {
      const s = (b * batchSize + i) % users.length;
      return { senderId: users[s]!, recipientId: users[s ^ 1]!, clientId: `c-${b}-${i}-bench`, body: 'bench message, about sixty-four characters long ···········' };
    });
    const t = performance.now();
    await store.sendMessages(batch);
    times.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const s1 = sched();
  const onCpu = (s1[0]! - s0[0]!) / 1e6;
  const runqueue = (s1[1]! - s0[1]!) / 1e6;
  const n = batchSize * batches;
  const s = summarize(times);
  console.log(
    `batch ${batchSize}: ${Math.round(n / (wall / 1000))} msgs/s, ${((wall * 1000) / n).toFixed(0)} µs/msg wall, ` +
      `${((cpu.user + cpu.system) / n).toFixed(0)} µs/msg CPU; commit p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (${times.filter((t) => t > 5).length} over 5 ms); ` +
      `main thread: ${((onCpu / wall) * 100).toFixed(0)} % on CPU, ${((runqueue / wall) * 100).toFixed(0)} % waiting for a CPU, ` +
      `${(((wall - onCpu - runqueue) / wall) * 100).toFixed(0)} % blocked (I/O, fsync)`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
