/**
 * Figure 7: Pigeon's MongoDB store against the official driver's `insertMany` alone, on the
 * same Mongo-protocol server (FerretDB, started here) in the same run.
 *
 *  a. store level: `createMongoStore` → `sendMessages` against `insertMany` of the very
 *     documents the store wrote, in the same batches, in alternating segments (worker
 *     bench/workers/mongo-raw.ts; see there);
 *  b. full server path: the Pigeon server on FerretDB under the closed-loop load of
 *     figure 1, then the raw driver inserting the documents that server stored, in batches
 *     of its mean group commit, on the same FerretDB.
 *
 * Target: Pigeon ≥ 50 % of raw (store level). Reported, not asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerret } from '../lib/ferret.ts';
import { checkDelivery } from '../lib/integrity.ts';
import { forkTs } from '../lib/procs.ts';
import { table } from '../lib/report.ts';
import { startSession } from '../lib/session.ts';
import { fmtMs, fmtRate } from '../lib/stats.ts';
import type { WriteSide } from '../lib/write-plan.ts';
import type { ReplayResult, StoreVsRawArgs, StoreVsRawResult } from '../workers/mongo-raw.ts';

export interface MongoRawOptions {
  store: Omit<StoreVsRawArgs, 'uri' | 'dbPid'>;
  /** The full-server half; null skips it. */
  server: { clients: number; inflight: number; warmupMs: number; durationMs: number } | null;
  nodeFlags?: string[];
}

export interface MongoRawFigures {
  store: StoreVsRawResult & { batchSize: number; inflight: number };
  server?: {
    clients: number;
    msgsPerSec: number;
    messages: number;
    meanBatch: number;
    /** FerretDB CPU µs per message during the window. */
    dbCpuUsPerMsg: number;
    raw: ReplayResult['raw'];
    ok: boolean;
  };
}

const here = new URL('..', import.meta.url).pathname;
/** Bounded: a wedged FerretDB must fail the figure, not hang the bench. */
const WORKER_CALL_MS = 15 * 60_000;

export async function measureMongoRaw(opts: MongoRawOptions): Promise<MongoRawFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'pigeon-bench-mongo-raw-'));
  const worker = forkTs(join(here, 'workers/mongo-raw.ts'), { label: 'mongo-raw worker', nodeFlags: opts.nodeFlags });
  try {
    const s = opts.store;
    console.log(`\n[mongo-raw] store vs insertMany: ${s.batches} batches of ${s.batchSize} over ${s.users / 2} conversations, ${s.inflight} in flight, ${s.segments} segments each`);
    const ferret = await startFerret(join(dir, 'ferretdb'));
    let store: StoreVsRawResult;
    try {
      store = await worker.call<StoreVsRawResult>('storeVsRaw', { ...s, uri: ferret.uri, dbPid: ferret.pid } satisfies StoreVsRawArgs, WORKER_CALL_MS);
    } finally {
      await ferret.stop();
    }
    console.log(`  store ${describe(store.store)}\n  raw   ${describe(store.raw)}\n  ratio ${pct(store.store.msgsPerSec / store.raw.msgsPerSec)} (write concern ${store.writeConcern})`);
    const out: MongoRawFigures = { store: { ...store, batchSize: s.batchSize, inflight: s.inflight } };

    if (opts.server) {
      const o = opts.server;
      console.log(`\n[mongo-raw] server path: ${o.clients} sockets in pairs, ${o.inflight} in flight each, then insertMany of what it stored`);
      const session = await startSession('mongodb', o.clients, { nodeFlags: opts.nodeFlags, label: 'mongodb server (mongo-raw)' });
      try {
        const s0 = await session.target.sendStats();
        const run = await session.closed({ inflight: o.inflight, warmupMs: o.warmupMs, durationMs: o.durationMs });
        const s1 = await session.target.sendStats();
        const meanBatch = s0 && s1 && s1.batches > s0.batches ? (s1.sends - s0.sends) / (s1.batches - s0.batches) : 1;
        const { integrity, store: check } = await session.verify();
        const ok = checkDelivery('mongo-raw/server', integrity, check, true);
        const replay = await worker.call<ReplayResult>(
          'replay',
          { uri: session.target.storeUri!, dbPid: session.target.storePid, batchSize: Math.max(1, Math.round(meanBatch)), limit: check.messages, inflight: 1 },
          WORKER_CALL_MS,
        );
        out.server = {
          clients: o.clients,
          msgsPerSec: run.completedRate,
          messages: check.messages,
          meanBatch,
          dbCpuUsPerMsg: run.completedRate > 0 ? (run.cpu.store / run.completedRate) * 1e6 : NaN,
          raw: replay.raw,
          ok,
        };
        console.log(`  server ${fmtRate(run.completedRate)} msgs/s (group commit ${meanBatch.toFixed(1)})\n  raw    ${describe(replay.raw)}\n  ratio ${pct(run.completedRate / replay.raw.msgsPerSec)}`);
      } finally {
        await session.stop();
      }
    }
    return out;
  } finally {
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');
const us = (v: number) => (Number.isFinite(v) ? fmtRate(v) : '–');
function describe(w: WriteSide): string {
  return `${fmtRate(w.msgsPerSec)} msgs/s (${fmtRate(w.messages)} in ${w.batches} batches, batch p50/p99 ${fmtMs(w.batchLatency.p50)}/${fmtMs(w.batchLatency.p99)} ms, CPU µs/msg client ${us(w.clientCpuUsPerMsg)} FerretDB ${us(w.dbCpuUsPerMsg)})`;
}

export function renderMongoRaw(f: MongoRawFigures): string {
  const s = f.store;
  const ratio = s.store.msgsPerSec / s.raw.msgsPerSec;
  const row = (name: string, w: WriteSide, vs: string): string[] => [
    name,
    `${w.batches} × ${fmtRate(w.messages / Math.max(1, w.batches))}`,
    fmtRate(w.messages),
    fmtRate(w.msgsPerSec),
    vs,
    `${fmtMs(w.batchLatency.p50)} / ${fmtMs(w.batchLatency.p99)}`,
    us(w.clientCpuUsPerMsg),
    us(w.dbCpuUsPerMsg),
  ];
  const out: string[] = [
    `### 7. MongoDB store vs the raw driver (same FerretDB, same run)`,
    `Store level: \`sendMessages\` of Pigeon's MongoDB store against the official driver's \`insertMany\` of the same documents ` +
      `(read back from the store, same batches, ${s.inflight} batch${s.inflight === 1 ? '' : 'es'} in flight) into a collection with the store's indexes ` +
      `(${s.indexes.join(', ')}) and the store's write concern (\`${s.writeConcern}\`), in alternating segments. ` +
      `Answered by: ${s.server}. CPU per message: the worker process (driver, store code) and FerretDB.`,
    '',
    table(
      ['writer', 'batches × size', 'messages', 'msgs/s', 'vs raw', 'batch ms p50 / p99', 'CPU client µs/msg', 'CPU FerretDB µs/msg'],
      [row('raw `insertMany` (baseline)', s.raw, '1.00'), row('Pigeon store `sendMessages`', s.store, `${ratio.toFixed(2)} (${pct(ratio)})`)],
    ),
  ];
  if (f.server) {
    const v = f.server;
    const r = v.msgsPerSec / v.raw.msgsPerSec;
    out.push(
      '',
      `Full server path: the Pigeon server on FerretDB, ${v.clients} sockets in pairs (closed loop as in figure 1; a message counts when acked and delivered), ` +
        `then \`insertMany\` of the ${fmtRate(v.messages)} documents it stored, in batches of its mean group commit (${v.meanBatch.toFixed(1)}), on the same FerretDB.`,
      '',
      table(
        ['writer', 'msgs/s', 'vs raw', 'CPU FerretDB µs/msg', 'checked'],
        [
          ['raw `insertMany` (baseline)', fmtRate(v.raw.msgsPerSec), '1.00', us(v.raw.dbCpuUsPerMsg), '–'],
          ['Pigeon server (send → ack + delivery)', fmtRate(v.msgsPerSec), `${r.toFixed(2)} (${pct(r)})`, us(v.dbCpuUsPerMsg), v.ok ? '✔' : '✘'],
        ],
      ),
    );
  }
  out.push('', '**Target** (reported, not asserted):', '', `- ${Number.isFinite(ratio) && ratio >= 0.5 ? '✔ met' : '✘ not met'}: MongoDB store ≥ 50 % of raw \`insertMany\` — measured ${pct(ratio)}`);
  return out.join('\n');
}
