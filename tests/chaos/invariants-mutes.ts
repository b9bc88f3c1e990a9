/**
 * The mute checks (#18), pure functions over the run's record (check-input-mutes.ts):
 *
 *  - mute-converge: after the settle, every device signed in as its own user shows, for every chat
 *    it has a row of, the server's record of its user (`muted` false when the server has none: a
 *    device showing a chat muted that nobody's record says is muted is wrong too);
 *  - mute-lost: every chat some device applied a mute to has a server record (a change accepted
 *    into an outbox reaches the server), whose value one of those changes set (never a value nobody
 *    set); when every change of that chat came from one device, it is that device's last one (its
 *    outbox keeps one queued mute per chat, the newest, and sends in order). A record of a chat
 *    nobody changed is a phantom.
 * Both are judged in the settle loop too: the run waits (bounded) until devices converge.
 */
import type { MuteInput } from './check-input-mutes.ts';
import type { Violation } from './check-input.ts';

export function checkMutes(input: { mutes?: MuteInput }): Violation[] {
  const m = input.mutes;
  if (!m) return [];
  return [...checkMuteConverge(m), ...checkMuteLost(m)];
}

export function checkMuteConverge(m: MuteInput): Violation[] {
  const out: Violation[] = [];
  for (const d of m.devices) {
    // A device left signed in as someone else is judged by the session checks.
    if (d.userId !== d.expectedUserId) continue;
    const records = new Map((m.server[d.userId] ?? []).map((r) => [r.conversationId, r]));
    for (const [conversationId, shown] of Object.entries(d.muted)) {
      if (shown === null) continue;
      const record = records.get(conversationId);
      const want = record?.muted ?? false;
      if (shown === want) continue;
      out.push({
        invariant: 'mute-converge',
        message: `${d.device} shows ${conversationId} ${shown ? 'muted' : 'unmuted'}, the server's record of its user says ${record ? `${want ? 'muted' : 'unmuted'} (changed ${record.changedAt})` : 'nothing (never muted)'}`,
        diff: { device: d.device, conversationId, shown, server: record ?? null },
      });
    }
  }
  return out;
}

export function checkMuteLost(m: MuteInput): Violation[] {
  const out: Violation[] = [];
  const byChat = new Map<string, MuteInput['applied']>();
  for (const a of m.applied) {
    const k = `${a.userId} ${a.conversationId}`;
    byChat.set(k, [...(byChat.get(k) ?? []), a]);
  }
  for (const [k, ops] of byChat) {
    const [userId, conversationId] = k.split(' ') as [string, string];
    const record = (m.server[userId] ?? []).find((r) => r.conversationId === conversationId);
    const said = ops.map((o) => `#${o.op} ${o.device} ${o.muted}`).join(', ');
    if (!record) {
      out.push({ invariant: 'mute-lost', message: `lost: ${userId} changed ${conversationId} (${said}) but the server has no record of it`, diff: { ops } });
      continue;
    }
    const fromOne = new Set(ops.map((o) => o.device)).size === 1;
    const last = ops[ops.length - 1]!;
    if (!ops.some((o) => o.muted === record.muted)) {
      out.push({ invariant: 'mute-lost', message: `${conversationId} of ${userId}: the server says ${record.muted}, which no change set (${said})`, diff: { ops, record } });
    } else if (fromOne && record.muted !== last.muted) {
      out.push({ invariant: 'mute-lost', message: `${conversationId} of ${userId}: every change came from ${last.device}, whose last (#${last.op}) set ${last.muted}; the server says ${record.muted} (${said})`, diff: { ops, record } });
    }
  }
  for (const [userId, records] of Object.entries(m.server)) {
    for (const r of records) {
      if (byChat.has(`${userId} ${r.conversationId}`)) continue;
      out.push({ invariant: 'mute-lost', message: `phantom: the server has a mute record of ${r.conversationId} for ${userId} (${r.muted}), but no device of it changed that chat`, diff: r });
    }
  }
  return out;
}
