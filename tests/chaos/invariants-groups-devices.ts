/**
 * What devices show and were handed of groups (#15), judged against the server's merged record
 * (invariants-groups.ts `MergedGroup`): each device of a member converges to the server's
 * messages of its user's periods, in order, once, with its own messages' aggregate statuses; no
 * device ever holds or is handed a group message outside its account's periods; a device shows
 * the group writable exactly while its user is a member, and a member's device shows the
 * server's title and members.
 */
import { hiddenBy, keyOf, type CheckInput, type DeviceGroup, type Violation } from './check-input.ts';
import { compact, inPeriods } from './group-replay.ts';
import type { MergedGroup } from './invariants-groups.ts';

export function checkGroupDevices(input: CheckInput, groups: readonly MergedGroup[]): Violation[] {
  const out: Violation[] = [];
  const byId = new Map(groups.map((g) => [g.id, g]));
  for (const dev of input.devices) {
    const u = dev.userId;
    for (const [id, shown] of Object.entries(dev.groups ?? {})) {
      const g = byId.get(id);
      if (!g) {
        if (shown.listed || shown.messages.length > 0) out.push({ invariant: 'group-converge', message: `${dev.name} shows ${id}, a group no account's list has (${shown.messages.length} messages)`, keys: shown.messages.map((m) => m.key) });
        continue;
      }
      const periods = g.replay.periods.get(u);
      if (!periods) {
        if (shown.listed || shown.messages.length > 0) {
          out.push({ invariant: 'group-privacy', message: `${dev.name} (${u}, never a member) ${shown.listed ? 'lists' : 'shows'} ${id} with ${shown.messages.length} messages`, keys: shown.messages.map((m) => m.key) });
        }
        continue;
      }
      out.push(...compareMessages(dev.name, u, g, shown, periods, hiddenBy(input.actions, u)));
      const member = g.replay.states.at(-1)!.members.has(u);
      if (shown.writable !== member) {
        out.push({ invariant: 'group-writable', message: `${dev.name}: ${id} shows ${shown.writable ? 'writable' : 'read-only'}, but ${u} is ${member ? 'a member' : 'no longer a member'}` });
      }
      const info = input.groups!.server.find((s) => s.id === id)?.info;
      if (member && info) {
        const want = info.members.map((m) => `${m.userId}:${m.role}`).sort().join();
        const got = shown.members.map((m) => `${m.userId}:${m.role}`).sort().join();
        if (want !== got || shown.title !== info.title) {
          out.push({ invariant: 'group-writable', message: `${dev.name}: ${id} shows other members or title than the server`, diff: { device: { title: shown.title, members: got }, server: { title: info.title, members: want } } });
        }
      }
    }
    for (const g of groups) {
      if (g.replay.periods.has(u) && !dev.groups?.[g.id]?.listed) out.push({ invariant: 'group-converge', message: `${dev.name}: ${u} is or was a member of ${g.id}, which the device does not list` });
    }
  }
  for (const a of input.groups?.applied ?? []) {
    const g = byId.get(a.conversationId);
    if (!g || !inPeriods(g.replay.periods.get(a.accountId), a.seq)) {
      out.push({
        invariant: 'group-privacy',
        message: `${a.device} at op #${a.op} (${a.t} ms) was handed ${a.conversationId} seq ${a.seq} (${a.key}) while ${a.accountId} was signed in, ${g ? `whose periods are ${periodsText(g, a.accountId)}` : 'a group no account lists'}`,
        keys: [a.key],
        around: { device: a.device, t: a.t },
      });
    }
  }
  out.push(...checkRefusedHere(input, groups));
  return out;
}

/**
 * A call the device refused at once is one its record explains: NOT_FOUND (a send) or VALIDATION
 * (a change: "not a group") only while it holds nothing of the group; FORBIDDEN only when its user is not a member in the group's state at the
 * highest seq it holds, or it had queued its own leaving, or it misses a seq of its user's periods
 * below that one (its view is older) — at the call's start or at a seq it stored before the refusal
 * was recorded (a removal that arrived live while the call ran).
 */
export function checkRefusedHere(input: CheckInput, groups: readonly MergedGroup[]): Violation[] {
  const out: Violation[] = [];
  for (const r of input.groups?.refusedHere ?? []) {
    const g = groups.find((x) => x.creationKey === r.group);
    if (!g) continue;
    const where = `${r.device} at op #${r.op} refused ${r.what} in ${g.id} at once (${r.code}) holding seqs up to ${r.knownSeq}`;
    const periods = g.replay.periods.get(r.accountId);
    // Explained by the view at some seq it held from the call's start to just after the refusal.
    const explainedAt = (seq: number, heldSeqs: readonly number[]): boolean => {
      const held = new Set(heldSeqs);
      const lagging = Array.from({ length: seq }, (_, k) => k + 1).some((s) => inPeriods(periods, s) && !held.has(s));
      const member = g.replay.states[Math.min(seq, g.last)]?.members.has(r.accountId) ?? false;
      return !member || r.ownLeaveBefore || lagging;
    };
    const after = r.heldAfter ?? r.held;
    const seqsAfter = after.filter((s) => s > r.knownSeq).sort((a, b) => a - b);
    const explained = explainedAt(r.knownSeq, r.held) || seqsAfter.some((s) => explainedAt(s, after));
    const unknown = r.code === 'NOT_FOUND' || r.code === 'VALIDATION';
    if (unknown ? r.knownSeq > 0 : r.code !== 'FORBIDDEN' || !explained) {
      out.push({ invariant: 'group-writable', message: unknown ? `${where}: it knows the group` : `${where}, where ${r.accountId} is a member` });
    }
  }
  return out;
}

/** The device's acked rows are the server's of the user's periods; its unacked ones only failed ones of its own. */
function compareMessages(device: string, u: string, g: MergedGroup, shown: DeviceGroup, periods: ReturnType<MergedGroup['replay']['periods']['get']>, hidden: Set<string>): Violation[] {
  const out: Violation[] = [];
  const acked = shown.messages.filter((m) => m.seq !== null);
  const outside = acked.filter((m) => !inPeriods(periods, m.seq!));
  if (outside.length > 0) {
    out.push({ invariant: 'group-privacy', message: `${device} (${u}) holds ${outside.length} messages of ${g.id} outside its periods ${periodsText(g, u)}: seqs ${compact(outside.map((m) => m.seq!))}`, keys: outside.map((m) => m.key) });
  }
  // A message its user deleted for themself may be absent (hidden: judged by invariants-actions.ts).
  const held = new Set(shown.messages.map((m) => m.key));
  const expected = g.messages.filter((m) => inPeriods(periods, m.seq) && (held.has(keyOf(m)) || !hidden.has(keyOf(m)))).map((m) => `${m.seq}:${keyOf(m)}`);
  const got = acked.filter((m) => inPeriods(periods, m.seq!)).map((m) => `${m.seq}:${m.key}`);
  if (expected.join('|') !== got.join('|')) {
    const e = new Set(expected);
    const gs = new Set(got);
    out.push({
      invariant: 'group-converge',
      message: `${device} ${g.id}: shows ${got.length} messages of ${u}'s periods, the server has ${expected.length}`,
      diff: { missing: expected.filter((x) => !gs.has(x)).slice(0, 20), extra: got.filter((x) => !e.has(x)).slice(0, 20), duplicates: got.length - gs.size },
      keys: [...expected.filter((x) => !gs.has(x)), ...got.filter((x) => !e.has(x))].map((x) => x.slice(x.indexOf(':') + 1)).slice(0, 5),
    });
  }
  const pending = shown.messages.filter((m) => m.seq === null && (m.status !== 'failed' || m.senderId !== u));
  if (pending.length > 0) {
    out.push({ invariant: 'group-converge', message: `${device} ${g.id}: ${pending.length} messages still unacked (${pending.map((m) => `${m.key} ${m.status}`).join(', ')})`, keys: pending.map((m) => m.key) });
  }
  const wrong = acked.filter((m) => m.senderId === u && g.bySeq.get(m.seq!)?.status !== undefined && g.bySeq.get(m.seq!)!.status !== m.status);
  if (wrong.length > 0) {
    out.push({
      invariant: 'group-status',
      message: `${device} ${g.id}: ${wrong.length} of ${u}'s own messages show another status than the server's aggregate`,
      diff: wrong.slice(0, 20).map((m) => `seq ${m.seq}: device ${m.status}, server ${g.bySeq.get(m.seq!)!.status}`),
      keys: wrong.map((m) => m.key),
    });
  }
  return out;
}

function periodsText(g: MergedGroup, u: string): string {
  const p = g.replay.periods.get(u) ?? [];
  return p.length === 0 ? 'none' : p.map((x) => `[${x.from}, ${x.to ?? 'open'}]`).join(' ');
}
