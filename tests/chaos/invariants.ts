/**
 * The end-of-run checks, as pure functions over snapshots: what the harness
 * accepted, what the server holds, what each device holds, and what each device
 * was seen doing while the run went on. Pure so they can be tested on made-up
 * data, and so a dump can be re-checked offline.
 */
import type { Message } from '@pigeon/sync-protocol';
import { statusRank, conversationMembers } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';

/** A message `send` resolved for: the device promised to deliver it. */
export interface Accepted {
  key: string;
  clientId: string;
  senderId: string;
  recipientId: string;
  conversationId: string;
  body: string;
  device: string;
  op: number;
}

export interface DeviceSnapshot {
  name: string;
  userId: string;
  /** Every conversation id the harness knows about → what the device shows for it. */
  messages: Record<string, LocalMessage[]>;
  outbox: LocalMessage[];
  /** Conversation ids from the device's own conversation list. */
  conversationIds: string[];
}

export type ObservationKind =
  | 'status-backwards'
  | 'vanished'
  | 'seq-changed'
  | 'foreign-message'
  | 'signed-out'
  | 'resume-failed'
  /** An engine call that an offline-first device should always complete locally rejected or hung. */
  | 'op-failed'
  /** The engine's `error` event: by its contract, a bug or a broken database, never a network error. */
  | 'engine-error';

/** Something a device was seen doing while the run went on (not visible in the final state). */
export interface Observation {
  device: string;
  kind: ObservationKind;
  key?: string;
  detail: string;
  t: number;
  op: number;
}

export type InvariantName =
  /** The run itself could not complete (server would not start, setup failed): not a verdict on Pigeon by itself. */
  | 'harness'
  | 'settled'
  | 'once-on-server'
  | 'once-on-devices'
  | 'same-order'
  | 'no-gaps'
  | 'sender-order'
  | 'same-status'
  | 'status-monotonic'
  | 'privacy'
  | 'outbox-empty'
  | 'session'
  | 'device-api';

export interface Violation {
  invariant: InvariantName;
  message: string;
  keys?: string[];
  diff?: unknown;
}

export interface CheckInput {
  userIds: string[];
  conversationIds: string[];
  accepted: Accepted[];
  server: Record<string, Message[]>;
  devices: DeviceSnapshot[];
  observations: Observation[];
}

const keyOf = (m: { senderId: string; clientId: string }) => `${m.senderId}:${m.clientId}`;

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

const members = (conversationId: string): string[] => conversationMembers(conversationId) ?? [];

/** (1) Every accepted message is on the server exactly once, and nothing else is. */
export function checkServerExactlyOnce(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const all = Object.values(input.server).flat();
  const byKey = groupBy(all, keyOf);
  for (const a of input.accepted) {
    const copies = byKey.get(a.key) ?? [];
    if (copies.length === 0) {
      out.push({ invariant: 'once-on-server', message: `lost: ${a.key} (sent by ${a.device} at op #${a.op}) is not on the server`, keys: [a.key] });
    } else if (copies.length > 1) {
      out.push({
        invariant: 'once-on-server',
        message: `duplicated: ${a.key} is on the server ${copies.length} times`,
        keys: [a.key],
        diff: copies.map((m) => ({ id: m.id, seq: m.seq, conversationId: m.conversationId })),
      });
    } else {
      const m = copies[0]!;
      const mismatch: string[] = [];
      if (m.body !== a.body) mismatch.push(`body ${JSON.stringify(m.body)} ≠ sent ${JSON.stringify(a.body)}`);
      if (m.conversationId !== a.conversationId) mismatch.push(`conversation ${m.conversationId} ≠ ${a.conversationId}`);
      if (m.recipientId !== a.recipientId) mismatch.push(`recipient ${m.recipientId} ≠ ${a.recipientId}`);
      if (mismatch.length > 0) out.push({ invariant: 'once-on-server', message: `altered: ${a.key}: ${mismatch.join('; ')}`, keys: [a.key] });
    }
  }
  const acceptedKeys = new Set(input.accepted.map((a) => a.key));
  for (const [key, copies] of byKey) {
    if (!acceptedKeys.has(key)) {
      out.push({ invariant: 'once-on-server', message: `phantom: ${key} is on the server but no send() ever resolved for it`, keys: [key], diff: copies });
    }
  }
  return out;
}

/** (2) Per conversation: server seqs are 1..max; every member device shows exactly that list in that order. */
export function checkOrderAndGaps(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  for (const conversationId of input.conversationIds) {
    const server = input.server[conversationId] ?? [];
    const seqs = server.map((m) => m.seq);
    const gaps: string[] = [];
    seqs.forEach((s, i) => {
      if (s !== i + 1) gaps.push(`position ${i + 1} has seq ${s}`);
    });
    if (gaps.length > 0) {
      out.push({ invariant: 'no-gaps', message: `server ${conversationId}: seqs are not 1..${seqs.length}`, diff: gaps.slice(0, 20) });
    }
    const serverIds = server.map((m) => `${m.seq}:${keyOf(m)}`);
    for (const dev of input.devices) {
      if (!members(conversationId).includes(dev.userId)) continue;
      const local = dev.messages[conversationId] ?? [];
      const dupKeys = [...groupBy(local, (m) => m.key)].filter(([, l]) => l.length > 1).map(([k]) => k);
      if (dupKeys.length > 0) {
        out.push({ invariant: 'once-on-devices', message: `${dev.name} ${conversationId}: ${dupKeys.length} messages shown twice`, keys: dupKeys });
      }
      const localIds = local.map((m) => `${m.seq ?? 'null'}:${m.key}`);
      if (localIds.join('|') !== serverIds.join('|')) {
        out.push({
          invariant: local.length === server.length ? 'same-order' : 'once-on-devices',
          message: `${dev.name} ${conversationId}: device shows ${local.length} messages, server has ${server.length}${local.length === server.length ? ' (different order or seqs)' : ''}`,
          diff: listDiff(serverIds, localIds),
          keys: [...new Set([...serverIds, ...localIds].map((s) => s.slice(s.indexOf(':') + 1)))].filter(
            (k) => !serverIds.some((s) => s.endsWith(`:${k}`)) || !localIds.some((s) => s.endsWith(`:${k}`)),
          ),
        });
      }
    }
  }
  return out;
}

/**
 * (2b) What one device typed into one conversation gets seqs in typing order
 * (the drainer sends a conversation's outbox head first: docs/architecture.md,
 * engine/outbox.ts). Two devices of one user are not ordered relative to each other.
 */
export function checkSenderOrder(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const seqOf = new Map(Object.values(input.server).flat().map((m) => [keyOf(m), m.seq]));
  for (const [lane, sent] of groupBy(input.accepted, (a) => `${a.device} ${a.conversationId}`)) {
    const ordered = [...sent].sort((a, b) => a.op - b.op);
    for (let i = 1; i < ordered.length; i++) {
      const prev = ordered[i - 1]!;
      const cur = ordered[i]!;
      const ps = seqOf.get(prev.key);
      const cs = seqOf.get(cur.key);
      if (ps !== undefined && cs !== undefined && cs < ps) {
        out.push({
          invariant: 'sender-order',
          message: `${lane}: sent at op #${prev.op} then #${cur.op}, but the server put them at seq ${ps} and ${cs}`,
          keys: [prev.key, cur.key],
        });
      }
    }
  }
  return out;
}

/** (3) Final status: the same on every device and equal to the server's; and no device ever moved one backwards. */
export function checkStatus(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  for (const conversationId of input.conversationIds) {
    const server = new Map((input.server[conversationId] ?? []).map((m) => [keyOf(m), m]));
    for (const dev of input.devices) {
      if (!members(conversationId).includes(dev.userId)) continue;
      const wrong: string[] = [];
      const keys: string[] = [];
      for (const m of dev.messages[conversationId] ?? []) {
        const s = server.get(m.key);
        if (s && s.status !== m.status) {
          wrong.push(`${m.key} seq ${m.seq}: device ${m.status}, server ${s.status} (sender ${m.senderId === dev.userId ? 'me' : 'peer'})`);
          keys.push(m.key);
        }
      }
      if (wrong.length > 0) {
        out.push({ invariant: 'same-status', message: `${dev.name} ${conversationId}: ${wrong.length} statuses differ from the server`, diff: wrong.slice(0, 30), keys });
      }
    }
  }
  for (const o of input.observations) {
    if (o.kind === 'status-backwards' || o.kind === 'vanished' || o.kind === 'seq-changed') {
      out.push({ invariant: 'status-monotonic', message: `${o.device} at op #${o.op} (${o.t} ms): ${o.kind}: ${o.detail}`, keys: o.key ? [o.key] : [] });
    }
  }
  return out;
}

/** (4) No device holds or was handed a message of a conversation its user is not in. */
export function checkPrivacy(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  for (const dev of input.devices) {
    for (const [conversationId, list] of Object.entries(dev.messages)) {
      const foreign = list.filter(
        (m) => !members(conversationId).includes(dev.userId) || (m.senderId !== dev.userId && m.recipientId !== dev.userId),
      );
      if (foreign.length > 0) {
        out.push({ invariant: 'privacy', message: `${dev.name} holds ${foreign.length} messages of ${conversationId}`, keys: foreign.map((m) => m.key) });
      }
    }
    for (const c of dev.conversationIds) {
      if (!members(c).includes(dev.userId)) out.push({ invariant: 'privacy', message: `${dev.name} lists conversation ${c}` });
    }
  }
  for (const o of input.observations) {
    if (o.kind === 'foreign-message') out.push({ invariant: 'privacy', message: `${o.device} at op #${o.op}: ${o.detail}`, keys: o.key ? [o.key] : [] });
  }
  return out;
}

/** (5) Nothing left to send. */
export function checkOutboxes(input: CheckInput): Violation[] {
  return input.devices
    .filter((d) => d.outbox.length > 0)
    .map((d) => ({
      invariant: 'outbox-empty' as const,
      message: `${d.name}: ${d.outbox.length} messages still in the outbox`,
      keys: d.outbox.map((m) => m.key),
      diff: d.outbox.map((m) => ({ key: m.key, status: m.status, error: m.error })),
    }));
}

/** Sessions and the API: a device stays signed in through faults, reloads and restarts, and its calls complete. */
export function checkDevices(input: CheckInput): Violation[] {
  return input.observations
    .filter((o) => o.kind === 'signed-out' || o.kind === 'resume-failed' || o.kind === 'op-failed' || o.kind === 'engine-error')
    .map((o) => ({
      invariant: o.kind === 'signed-out' || o.kind === 'resume-failed' ? ('session' as const) : ('device-api' as const),
      message: `${o.device} at op #${o.op}: ${o.kind}: ${o.detail}`,
    }));
}

export function checkAll(input: CheckInput): Violation[] {
  return [
    ...checkServerExactlyOnce(input),
    ...checkOrderAndGaps(input),
    ...checkSenderOrder(input),
    ...checkStatus(input),
    ...checkPrivacy(input),
    ...checkOutboxes(input),
    ...checkDevices(input),
  ];
}

/** A compact diff of two lists: what is missing, what is extra, where order first differs. */
export function listDiff(expected: readonly string[], actual: readonly string[]) {
  const e = new Set(expected);
  const a = new Set(actual);
  const missing = expected.filter((x) => !a.has(x));
  const extra = actual.filter((x) => !e.has(x));
  let firstDifference = -1;
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (expected[i] !== actual[i]) {
      firstDifference = i;
      break;
    }
  }
  return {
    missing: missing.slice(0, 30),
    missingCount: missing.length,
    extra: extra.slice(0, 30),
    extraCount: extra.length,
    firstDifference,
    around:
      firstDifference < 0
        ? null
        : { expected: expected.slice(Math.max(0, firstDifference - 2), firstDifference + 3), actual: actual.slice(Math.max(0, firstDifference - 2), firstDifference + 3) },
  };
}

/** Status rank helper re-exported for the observers, so both sides use one order. */
export const rank = statusRank;
