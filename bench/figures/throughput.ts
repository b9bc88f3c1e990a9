/**
 * Figures 1 and 2: server throughput and latency, then latency under paced load.
 *
 * Per target (bare Socket.io baseline, Pigeon on SQLite, Pigeon on MongoDB):
 *  1. closed loop — every socket keeps `inflight` sends awaiting their ack; sustained
 *     rate = messages acked to the sender AND delivered to the recipient per second
 *     over the window (after a warm-up), with p50/p95/p99 of send→ack and send→delivery;
 *  2. open loop — offered load paced at 25/50/75 % of that target's maximum; p99 at each.
 * Then every send is checked: acked once, delivered once, stored once.
 */
import { checkDelivery } from '../lib/integrity.ts';
import { startSession, type MeasuredRun } from '../lib/session.ts';
import { fmtMs, fmtRate } from '../lib/stats.ts';
import type { TargetKind } from '../lib/targets.ts';

export interface ThroughputOptions {
  kinds: TargetKind[];
  clients: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
  /** Fractions of the measured maximum for the open-loop runs; [] skips figure 2. */
  loadFractions: number[];
  openDurationMs: number;
  nodeFlags?: string[];
}

export interface TargetFigures {
  kind: TargetKind;
  clients: number;
  inflight: number;
  max: MeasuredRun;
  paced: Array<{ fraction: number; run: MeasuredRun }>;
  sent: number;
  stored: number;
  ok: boolean;
}

export async function measureThroughput(opts: ThroughputOptions): Promise<TargetFigures[]> {
  const out: TargetFigures[] = [];
  for (const kind of opts.kinds) {
    console.log(`\n[throughput] ${kind}: ${opts.clients} sockets in ${opts.clients / 2} pairs, ${opts.inflight} in flight each`);
    const session = await startSession(kind, opts.clients, { nodeFlags: opts.nodeFlags });
    try {
      const max = await session.closed({ inflight: opts.inflight, warmupMs: opts.warmupMs, durationMs: opts.durationMs });
      console.log(`  max ${describe(max)}`);
      const paced: TargetFigures['paced'] = [];
      for (const fraction of opts.loadFractions) {
        const rate = Math.max(1, Math.round(max.completedRate * fraction));
        const run = await session.open({ rate, warmupMs: Math.min(1000, opts.warmupMs), durationMs: opts.openDurationMs });
        console.log(`  ${Math.round(fraction * 100)} % (${fmtRate(rate)}/s offered) ${describe(run)}`);
        paced.push({ fraction, run });
      }
      const { integrity, store } = await session.verify();
      const ok = checkDelivery(`throughput/${kind}`, integrity, store, kind !== 'bare');
      console.log(`  integrity: sent ${integrity.sent}, acked ${integrity.acked}, delivered ${integrity.delivered}, stored ${store.messages} — ${ok ? 'ok' : 'FAILED'}`);
      out.push({ kind, clients: opts.clients, inflight: opts.inflight, max, paced, sent: integrity.sent, stored: store.messages, ok });
    } finally {
      await session.stop();
    }
  }
  return out;
}

function describe(r: MeasuredRun): string {
  return (
    `${fmtRate(r.completedRate)} msg/s (acks ${fmtRate(r.ackRate)}/s, deliveries ${fmtRate(r.deliveryRate)}/s)` +
    ` ack p50/p95/p99 ${fmtMs(r.ack.p50)}/${fmtMs(r.ack.p95)}/${fmtMs(r.ack.p99)} ms` +
    ` delivery p50/p95/p99 ${fmtMs(r.delivery.p50)}/${fmtMs(r.delivery.p95)}/${fmtMs(r.delivery.p99)} ms` +
    ` cpu server ${(r.cpu.server * 100).toFixed(0)} % load ${(r.cpu.load * 100).toFixed(0)} % machine ${(r.cpu.machine * 100).toFixed(0)} %${r.overloaded ? ' OVERLOADED' : ''}`
  );
}
