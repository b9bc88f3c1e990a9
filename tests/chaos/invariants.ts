/**
 * The end-of-run checks, as pure functions over snapshots (check-input.ts): what the harness
 * accepted, what the server holds, what each device holds, and what each device was seen
 * doing while the run went on. Pure so they can be tested on made-up data, and so a dump can
 * be re-checked offline. This file: delivery (exactly once, order, gaps); invariants-devices.ts:
 * what devices show and do (status, privacy, outbox, sessions and tokens).
 */
import { statusRank } from '@pigeon/sync-protocol';
import { bodyExplained, groupBy, hiddenBy, keyOf, members, type CheckInput, type Violation } from './check-input.ts';
import { checkActions } from './invariants-actions.ts';
import { checkAttachments } from './invariants-attachments.ts';
import { checkMutes } from './invariants-mutes.ts';
import { checkProfiles } from './invariants-profiles.ts';
import { checkDevices, checkOutboxes, checkPrivacy, checkStatus, checkTokenReuse } from './invariants-devices.ts';
import { checkGroups } from './invariants-groups.ts';

export type * from './check-input.ts';
export { checkDevices, checkOutboxes, checkPrivacy, checkStatus, checkTokenReuse } from './invariants-devices.ts';

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
      if (m.body !== a.body && !bodyExplained(input.actions, a.key, m)) mismatch.push(`body ${JSON.stringify(m.body)} ≠ sent ${JSON.stringify(a.body)}`);
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
    for (const dev of input.devices) {
      if (!members(conversationId).includes(dev.userId)) continue;
      const local = dev.messages[conversationId] ?? [];
      // A message its user deleted for themself may be absent (hidden: judged by invariants-actions.ts).
      const hidden = hiddenBy(input.actions, dev.userId);
      const held = new Set(local.map((m) => m.key));
      const serverIds = server.filter((m) => held.has(keyOf(m)) || !hidden.has(keyOf(m))).map((m) => `${m.seq}:${keyOf(m)}`);
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
 * (2b) What one account typed on one device into one conversation gets seqs in typing order
 * (the drainer sends a conversation's outbox head first: docs/architecture.md,
 * engine/outbox.ts), across that account's sign-outs and sign-ins there too (its unsent
 * messages are parked and come back in order). Two devices of one user are not ordered
 * relative to each other, nor two accounts taking turns on one device.
 */
export function checkSenderOrder(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const seqOf = new Map(Object.values(input.server).flat().map((m) => [keyOf(m), m.seq]));
  for (const [lane, sent] of groupBy(input.accepted, (a) => `${a.device} as ${a.senderId} in ${a.conversationId}`)) {
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

export function checkAll(input: CheckInput): Violation[] {
  return [
    ...checkServerExactlyOnce(input),
    ...checkOrderAndGaps(input),
    ...checkSenderOrder(input),
    ...checkStatus(input),
    ...checkPrivacy(input),
    ...checkOutboxes(input),
    ...checkDevices(input),
    ...checkTokenReuse(input),
    ...checkGroups(input),
    ...checkActions(input),
    ...checkAttachments(input),
    ...checkMutes(input),
    ...checkProfiles(input),
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
