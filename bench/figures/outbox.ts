/**
 * Figure 4: outbox drain. `messages` are written with the engine while it is offline
 * (engine.send, one after another, as typed), spread over `conversations` peers; then
 * the network comes back. Measured: time until every message is acked (outbox empty,
 * every local copy carries its server seq). Baseline in the same run: a raw Socket.io
 * client sending the same number of messages one send awaiting its ack per conversation
 * (`send-message`), no IndexedDB. The engine's drainer sends batches since #20 (up to 50
 * messages per `send-messages`, one batch in flight per conversation), so it may beat
 * the baseline; the baseline stays the discipline the target is stated against.
 */
import { directConversationId } from '@pigeon/sync-protocol';
import { sendBurst } from '../lib/burst.ts';
import { benchEngine, untilState } from '../lib/engine.ts';
import { fail } from '../lib/integrity.ts';
import { table } from '../lib/report.ts';
import { fmtRate } from '../lib/stats.ts';
import { registerUsers, startTarget, type TargetKind } from '../lib/targets.ts';
import { outboxVerdicts, renderVerdicts } from '../lib/speed-targets.ts';

export interface OutboxOptions {
  messages: number;
  /** Conversation counts to try (the drainer keeps one request in flight per conversation). */
  spreads?: number[];
  stores: TargetKind[];
  /** Messages for the MongoDB store when smaller (FerretDB 1.x is slow). */
  mongoMessages?: number;
  nodeFlags?: string[];
}

export interface OutboxRow {
  kind: TargetKind;
  messages: number;
  conversations: number;
  writeMs: number;
  drainMs: number;
  rawMs: number;
  ok: boolean;
}
export type OutboxFigures = OutboxRow[];

export async function measureOutbox(opts: OutboxOptions): Promise<OutboxFigures> {
  const rows: OutboxRow[] = [];
  for (const kind of opts.stores) {
    const target = await startTarget(kind, { nodeFlags: opts.nodeFlags, label: `${kind} server (outbox)` });
    try {
      const messages = kind === 'mongodb' && opts.mongoMessages ? opts.mongoMessages : opts.messages;
      for (const conversations of opts.spreads ?? [1, 20]) rows.push(await drainOnce(kind, target.url, messages, conversations, target));
    } finally {
      await target.stop();
    }
  }
  return rows;
}

async function drainOnce(
  kind: TargetKind,
  url: string,
  messages: number,
  conversations: number,
  target: Awaited<ReturnType<typeof startTarget>>,
): Promise<OutboxRow> {
  const where = `outbox/${kind}/${conversations}`;
  console.log(`\n[outbox] ${kind}: ${messages} messages written offline in ${conversations} conversation(s)`);
  const prefix = `ob${Date.now().toString(36)}_`;
  const [me, raw, ...peers] = await registerUsers(url, conversations + 2, prefix);
  const engine = benchEngine(url, `bench-outbox-${kind}-${conversations}-${Date.now()}`);
  try {
    await engine.signIn(`${prefix}0`, 'bench-password-1');
    await untilState(engine, (s) => s.connection === 'online', 30_000, 'online');
    engine.setNetworkEnabled(false);
    await untilState(engine, (s) => s.connection === 'offline', 10_000, 'offline');

    let t0 = performance.now();
    for (let i = 0; i < messages; i++) await engine.send(peers[i % conversations]!.id, `offline message ${i}`);
    const writeMs = performance.now() - t0;
    await untilState(engine, (s) => s.outboxSize === messages, 10_000, `outbox of ${messages}`);
    console.log(`  written offline in ${(writeMs / 1000).toFixed(2)} s (${fmtRate(messages / (writeMs / 1000))} sends/s)`);

    t0 = performance.now();
    engine.setNetworkEnabled(true);
    await untilState(engine, (s) => s.outboxSize === 0, 600_000, 'empty outbox');
    let drainMs = performance.now() - t0;
    // outboxSize is refreshed after the fact; confirm every local copy is acked.
    let pending = await pendingCount(engine);
    while (pending > 0 && performance.now() - t0 < 600_000) {
      await new Promise((r) => setTimeout(r, 20));
      pending = await pendingCount(engine);
      drainMs = performance.now() - t0;
    }
    console.log(`  drained in ${(drainMs / 1000).toFixed(2)} s (${fmtRate(messages / (drainMs / 1000))} msgs/s)`);

    const rawRun = await sendBurst(url, peers.map((p, i) => ({ sender: raw!, to: p!.id, count: Math.floor(messages / conversations) + (i < messages % conversations ? 1 : 0) })), 1, `obraw${conversations}`);
    console.log(`  raw Socket.io client, same discipline: ${(rawRun.ms / 1000).toFixed(2)} s (${fmtRate(messages / (rawRun.ms / 1000))} msgs/s)`);

    const check = await target.storeCheck([me!.id, raw!.id]);
    let ok = true;
    const expectOne = (who: string, id: string) => {
      const n = check.perSender[id] ?? 0;
      if (n !== messages) {
        ok = false;
        fail(where, `${who}: ${messages} written, ${n} stored`);
      }
    };
    expectOne('engine', me!.id);
    expectOne('raw client', raw!.id);
    if (pending > 0) (ok = false), fail(where, `${pending} messages still pending locally`);
    const disorder = await typingOrderBreaks(engine, me!.id, peers.map((p) => p!.id));
    if (disorder.length > 0) (ok = false), fail(where, `seq order ≠ typing order: ${disorder.slice(0, 5).join(' | ')}`);
    if (check.duplicateClientIds > 0 || check.seqGaps > 0) (ok = false), fail(where, `store: ${check.duplicateClientIds} duplicates, ${check.seqGaps} seq gaps`);
    if (rawRun.errors.length) (ok = false), fail(where, `raw client: ${rawRun.errors.slice(0, 5).join(' | ')}`);
    return { kind, messages, conversations, writeMs, drainMs, rawMs: rawRun.ms, ok };
  } finally {
    await engine.close().catch(() => {});
  }
}

/**
 * Seq order = typing order, as the device holds it (every local copy carries its server seq by now):
 * in each conversation, the bodies' numbers (`offline message i`) must rise with the seq.
 */
async function typingOrderBreaks(engine: ReturnType<typeof benchEngine>, me: string, peers: readonly string[]): Promise<string[]> {
  const breaks: string[] = [];
  for (const peer of peers) {
    const conversationId = directConversationId(me, peer);
    const rows = (await engine.queries.messages(conversationId, 100_000)).filter((m) => m.senderId === me);
    const sorted = [...rows].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    let last = -1;
    for (const m of sorted) {
      const n = Number(/offline message (\d+)/.exec(m.body)?.[1] ?? NaN);
      if (!(n > last)) breaks.push(`${conversationId}: seq ${m.seq} holds #${n} after #${last}`);
      last = n;
    }
  }
  return breaks;
}

async function pendingCount(engine: ReturnType<typeof benchEngine>): Promise<number> {
  return (await engine.queries.outbox()).length;
}

export function renderOutbox(rows: OutboxFigures): string {
  if (rows.length === 0) return '';
  return [
    `### 4. Outbox drain`,
    `Messages written with the engine while offline (\`engine.send\`, one after another), then the network comes back: time until every one is acked ` +
      `(outbox empty). The drainer keeps one request awaiting its answer per conversation (seq order = typing order): since #20 a batch of up to 50 messages ` +
      `(\`send-messages\`), whose acked copies are committed in one IndexedDB transaction. ` +
      `**Baseline**: a raw Socket.io client sending as many messages to the same server one \`send-message\` awaiting its ack per conversation, without IndexedDB.`,
    '',
    table(
      ['store', 'messages', 'conversations', 'offline writes', 'drain (engine)', 'engine msgs/s', 'raw client', 'raw msgs/s', 'engine / raw time', 'checked'],
      rows.map((r) => [
        r.kind,
        fmtRate(r.messages),
        String(r.conversations),
        `${(r.writeMs / 1000).toFixed(2)} s`,
        `${(r.drainMs / 1000).toFixed(2)} s`,
        fmtRate(r.messages / (r.drainMs / 1000)),
        `${(r.rawMs / 1000).toFixed(2)} s`,
        fmtRate(r.messages / (r.rawMs / 1000)),
        `${(r.drainMs / r.rawMs).toFixed(1)} ×`,
        r.ok ? `✔ ${r.messages} stored once` : '✘',
      ]),
    ),
    renderVerdicts(outboxVerdicts(rows.filter((r) => r.kind === 'sqlite')), 'SQLite store'),
  ].join('\n');
}
