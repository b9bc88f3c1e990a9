/**
 * The group checks (#15), pure functions over the run's record (check-input.ts `GroupInput`, the
 * devices' `groups`): this file judges the server and what the devices' outboxes took;
 * invariants-groups-devices.ts judges what the devices show and were handed. The server's groups
 * are read through REST with every account's token (each reads its periods), merged by seq and
 * replayed from their system messages (group-replay.ts), so periods, roles and rules come from
 * the record, not from the server's own code.
 */
import type { Message } from '@pigeon/sync-protocol';
import { bodyExplained, groupBy, keyOf, type CheckInput, type GroupAccepted, type GroupServer, type Violation } from './check-input.ts';
import { compact, readableSeqs, replayGroup, verdict, type Change, type Replay } from './group-replay.ts';
import { checkGroupDevices } from './invariants-groups-devices.ts';

export interface MergedGroup {
  id: string;
  /** The key of its seq-1 message (its creation's), '' when that is missing. */
  creationKey: string;
  /** The union of every reader's history, in seq order. */
  messages: Message[];
  bySeq: Map<number, Message>;
  last: number;
  replay: Replay;
}

/** Each group's histories merged by seq; readers that disagree about a seq are a violation. */
export function mergeGroups(server: readonly GroupServer[]): { groups: MergedGroup[]; violations: Violation[] } {
  const violations: Violation[] = [];
  const groups = server.map((g) => {
    const bySeq = new Map<number, Message>();
    for (const [reader, list] of Object.entries(g.histories)) {
      for (const m of list ?? []) {
        const seen = bySeq.get(m.seq);
        if (!seen) bySeq.set(m.seq, m);
        else if (keyOf(seen) !== keyOf(m) || seen.status !== m.status) {
          violations.push({
            invariant: 'group-gaps',
            message: `${g.id} seq ${m.seq}: readers disagree (${keyOf(seen)} ${seen.status} / ${keyOf(m)} ${m.status} for ${reader})`,
            keys: [keyOf(seen), keyOf(m)],
          });
        }
      }
    }
    const messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const last = messages.at(-1)?.seq ?? 0;
    const missing = Array.from({ length: last }, (_, k) => k + 1).filter((s) => !bySeq.has(s));
    if (missing.length > 0) violations.push({ invariant: 'group-gaps', message: `${g.id}: seqs are not 1..${last}: no reader has ${missing.slice(0, 20).join(', ')}` });
    const first = bySeq.get(1);
    const creationKey = first?.system?.kind === 'group-created' ? keyOf(first) : '';
    return { id: g.id, creationKey, messages, bySeq, last, replay: replayGroup(messages) };
  });
  return { groups, violations };
}

/** Everything about groups; empty when the run had none. */
export function checkGroups(input: CheckInput): Violation[] {
  if (!input.groups) return [];
  const { groups, violations } = mergeGroups(input.groups.server);
  return [...violations, ...checkGroupServer(input, groups), ...checkGroupOnce(input, groups), ...checkGroupSenderOrder(input, groups), ...checkGroupDevices(input, groups)];
}

/**
 * The server's record is one the rules allow: every message legal on the state before its seq
 * (a text by a member, a change by whom the rules let make it, changing something), the members
 * it shows now are the replay's, and every account reads exactly the seqs of its periods.
 */
export function checkGroupServer(input: CheckInput, groups: readonly MergedGroup[]): Violation[] {
  const out: Violation[] = [];
  for (const g of groups) {
    if (!g.creationKey) out.push({ invariant: 'group-rules', message: `${g.id}: seq 1 is not a group-created message` });
    for (const [seq, why] of g.replay.illegal) out.push({ invariant: 'group-rules', message: `${g.id} seq ${seq}: ${why}`, keys: [keyOf(g.bySeq.get(seq)!)] });
    const state = g.replay.states.at(-1)!;
    const info = input.groups!.server.find((s) => s.id === g.id)!.info;
    const expected = [...state.members].map(([u, m]) => `${u}:${m.role}`).sort();
    const shown = (info?.members ?? []).map((m) => `${m.userId}:${m.role}`).sort();
    if (expected.join() !== shown.join() || (info !== null && info.title !== state.title)) {
      out.push({ invariant: 'group-rules', message: `${g.id}: the server shows other members or title than its system messages make`, diff: { replay: { members: expected, title: state.title }, server: info && { members: shown, title: info.title } } });
    }
    for (const [reader, list] of Object.entries(input.groups!.server.find((s) => s.id === g.id)!.histories)) {
      const expectedSeqs = readableSeqs(g.replay.periods.get(reader), g.last);
      const got = (list ?? []).map((m) => m.seq);
      if (list === null && expectedSeqs.length === 0) continue;
      if (got.join() !== expectedSeqs.join()) {
        out.push({
          invariant: 'group-periods',
          message: `${g.id}: ${reader}'s history ${list === null ? 'was refused' : `holds seqs ${compact(got)}`}; its periods hold ${compact(expectedSeqs) || 'nothing'}`,
          diff: { periods: g.replay.periods.get(reader) ?? [] },
        });
      }
    }
  }
  return out;
}

const REFUSALS = new Set(['FORBIDDEN', 'NOT_FOUND', 'VALIDATION']);

const changeOf = (a: GroupAccepted): Change | null =>
  a.kind === 'text' ? { kind: 'send' } : a.kind === 'rename' ? { kind: 'rename', title: a.title ?? '' } : a.kind === 'add' ? { kind: 'add', userIds: a.userIds ?? [] } : a.kind === 'remove' ? { kind: 'remove', userId: a.userIds?.[0] ?? '' } : a.kind === 'promote' ? { kind: 'promote', userId: a.userIds?.[0] ?? '' } : null;

const SYSTEM_KIND: Record<GroupAccepted['kind'], string | undefined> = {
  create: 'group-created',
  text: undefined,
  rename: 'title-changed',
  add: 'members-added',
  remove: 'member-removed',
  promote: 'member-promoted',
};

/**
 * Every creation, message and change a device accepted is on the server exactly once, as made, in
 * its group; or the device shows it failed with a refusal the server's record explains (some state
 * of the group from the op on refuses it); or, a change only, it changed nothing and some state
 * from the op on explains that. A refused change is on the server not at all (never half-applied).
 * The server holds nothing nobody accepted, and one group per creation.
 */
export function checkGroupOnce(input: CheckInput, groups: readonly MergedGroup[]): Violation[] {
  const out: Violation[] = [];
  const { accepted } = input.groups!;
  const copies = groupBy(
    groups.flatMap((g) => g.messages.map((m) => ({ g, m }))),
    ({ m }) => keyOf(m),
  );
  const byCreation = groupBy(groups, (g) => g.creationKey);
  const failed = new Map(input.devices.flatMap((d) => (d.groupFailed ?? []).map((m) => [`${d.name} ${m.key}`, m] as const)));
  for (const a of accepted) {
    const where = `${a.kind} ${a.key} (${a.device} at op #${a.op})`;
    const home = byCreation.get(a.group) ?? [];
    if (home.length > 1) {
      if (a.kind === 'create') out.push({ invariant: 'group-once', message: `${where}: ${home.length} groups were created from it`, keys: [a.key] });
      continue;
    }
    const g = home[0];
    if (!g) {
      if (a.kind === 'create') out.push({ invariant: 'group-once', message: `lost: ${where}: no group on the server starts with it`, keys: [a.key] });
      continue;
    }
    const stored = copies.get(a.key) ?? [];
    const f = failed.get(`${a.device} ${a.key}`);
    if (stored.length > 1) {
      out.push({ invariant: 'group-once', message: `duplicated: ${where} is on the server ${stored.length} times`, keys: [a.key], diff: stored.map(({ g: x, m }) => `${x.id}#${m.seq}`) });
    } else if (stored.length === 1) {
      const { g: at, m } = stored[0]!;
      const wrong = altered(a, m, at.id !== g.id, bodyExplained(input.actions, a.key, m));
      if (wrong) out.push({ invariant: 'group-once', message: `altered: ${where} at ${at.id} seq ${m.seq}: ${wrong}`, keys: [a.key] });
      if (f) out.push({ invariant: 'group-once', message: `half-applied: ${where} failed on the device (${f.error?.code}) but the server holds it at seq ${m.seq}`, keys: [a.key] });
    } else if (f) {
      const change = changeOf(a);
      const code = f.error?.code ?? '?';
      if (!change || !REFUSALS.has(code)) out.push({ invariant: 'group-refusal', message: `${where} failed with ${code}: not a refusal the rules can give`, keys: [a.key] });
      else if (!explained(g, a, change, 'refuse')) {
        out.push({ invariant: 'group-refusal', message: `${where} was refused (${code}) but the group allowed it at every seq from ${a.knownSeq} on`, keys: [a.key] });
      }
    } else {
      const change = changeOf(a);
      const noop = change && change.kind !== 'send' && explained(g, a, change, 'none');
      if (!noop) out.push({ invariant: 'group-once', message: `lost: ${where} is neither on the server nor failed on its device`, keys: [a.key] });
    }
  }
  const acceptedKeys = new Set(accepted.map((a) => a.key));
  for (const [key, list] of copies) {
    if (!acceptedKeys.has(key)) out.push({ invariant: 'group-once', message: `phantom: ${key} is in ${list.map(({ g, m }) => `${g.id}#${m.seq}`).join(', ')}; no device accepted it`, keys: [key] });
  }
  return out;
}

/** Some state of the group from the seq the device knew to the last one gives the verdict. */
function explained(g: MergedGroup, a: GroupAccepted, change: Change, wanted: 'refuse' | 'none'): boolean {
  for (let k = Math.min(a.knownSeq, g.last); k <= g.last; k++) if (verdict(g.replay.states[k] ?? g.replay.states.at(-1)!, a.senderId, change) === wanted) return true;
  return false;
}

/** `edited`: the body is an edit's, or '' of a deletion (invariants-actions.ts judges those). */
function altered(a: GroupAccepted, m: Message, otherGroup: boolean, edited = false): string | null {
  const wrong: string[] = [];
  if (otherGroup) wrong.push(`in another group (${m.conversationId})`);
  if (a.kind === 'text') {
    if (m.type === 'system' || (m.body !== a.body && !edited)) wrong.push(`${m.type === 'system' ? 'a system message' : `body ${JSON.stringify(m.body)}`} ≠ sent ${JSON.stringify(a.body)}`);
  } else {
    const e = m.system;
    const kind = a.kind === 'remove' && a.userIds?.[0] === a.senderId ? 'member-left' : SYSTEM_KIND[a.kind];
    if (m.type !== 'system' || !e || e.kind !== kind) wrong.push(`${e?.kind ?? 'a text'} ≠ ${kind}`);
    else if ((a.kind === 'rename' || a.kind === 'create') && e.title !== a.title) wrong.push(`title ${JSON.stringify(e.title)} ≠ ${JSON.stringify(a.title)}`);
    else if (a.kind === 'add' && (!e.userIds?.length || !e.userIds.every((u) => a.userIds?.includes(u)))) wrong.push(`added ${e.userIds?.join(',')} of ${a.userIds?.join(',')}`);
    else if ((a.kind === 'remove' || a.kind === 'promote') && e.userIds?.[0] !== a.userIds?.[0]) wrong.push(`${e.kind} ${e.userIds?.join(',')} ≠ ${a.userIds?.[0]}`);
    else if (a.kind === 'create' && [...(e.userIds ?? [])].sort().join() !== [...new Set(a.userIds)].filter((u) => u !== a.senderId).sort().join()) wrong.push(`members ${e.userIds?.join(',')} ≠ ${a.userIds?.join(',')}`);
  }
  return wrong.length > 0 ? wrong.join('; ') : null;
}

/** What one account did on one device in one group gets seqs in the order it did it (one outbox lane per conversation). */
export function checkGroupSenderOrder(input: CheckInput, groups: readonly MergedGroup[]): Violation[] {
  const out: Violation[] = [];
  const seqOf = new Map(groups.flatMap((g) => g.messages.map((m) => [keyOf(m), m.seq] as const)));
  for (const [lane, done] of groupBy(input.groups!.accepted, (a) => `${a.device} as ${a.senderId} in ${a.group}`)) {
    const stored = [...done].sort((a, b) => a.op - b.op).filter((a) => seqOf.has(a.key));
    for (let i = 1; i < stored.length; i++) {
      const [p, c] = [stored[i - 1]!, stored[i]!];
      if (seqOf.get(c.key)! < seqOf.get(p.key)!) {
        out.push({ invariant: 'group-sender-order', message: `${lane}: made at op #${p.op} then #${c.op}, stored at seq ${seqOf.get(p.key)} and ${seqOf.get(c.key)}`, keys: [p.key, c.key] });
      }
    }
  }
  return out;
}
