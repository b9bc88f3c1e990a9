/**
 * The group checks on hand-made records: one group of A (admin), B and C where C is removed at
 * seq 3 and added again at seq 5, and B's attempt to remove A is refused. The record as it should
 * be passes; each corruption is named by the check that owns it.
 */
import type { Message, SystemEvent } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import type { CheckInput, DeviceGroup, DeviceSnapshot, GroupAccepted } from './check-input.ts';
import { replayGroup } from './group-replay.ts';
import { checkGroups } from './invariants-groups.ts';

const [A, B, C] = ['ua', 'ub', 'uc'];
const G = 'g:1';

function msg(seq: number, senderId: string, status: Message['status'], system?: SystemEvent): Message {
  return { id: `m${seq}`, clientId: `c-${seq}`, conversationId: G, senderId, recipientId: G, body: system ? '' : `hello ${seq}`, seq, createdAt: '2026-01-01T00:00:00Z', status, ...(system ? { type: 'system' as const, system } : { type: 'text' as const }) };
}

const record = (): Message[] => [
  msg(1, A, 'read', { kind: 'group-created', actorId: A, userIds: [B, C], title: 'T' }),
  msg(2, B, 'delivered'),
  msg(3, A, 'read', { kind: 'member-removed', actorId: A, userIds: [C] }),
  msg(4, A, 'delivered'),
  msg(5, A, 'sent', { kind: 'members-added', actorId: A, userIds: [C] }),
  msg(6, C, 'sent'),
];

const key = (m: Message) => `${m.senderId}:${m.clientId}`;
const local = (m: Message, over: Partial<LocalMessage> = {}): LocalMessage => ({ ...m, key: key(m), localCreatedAt: 0, ...over });
const CREATION = `${A}:c-1`;

function accepted(m: Message, device: string, op: number, knownSeq = m.seq - 1): GroupAccepted {
  const e = m.system;
  const kind = !e ? 'text' : e.kind === 'group-created' ? 'create' : e.kind === 'members-added' ? 'add' : e.kind === 'title-changed' ? 'rename' : 'remove';
  return { key: key(m), senderId: m.senderId, group: CREATION, kind, body: e ? undefined : m.body, title: e?.title, userIds: e?.userIds, device, op, knownSeq };
}

const refusedChange = (): LocalMessage =>
  ({ ...local(msg(9, B, 'sent', { kind: 'member-removed', actorId: B, userIds: [A] })), key: `${B}:c-refused`, clientId: 'c-refused', seq: null, status: 'failed', error: { code: 'FORBIDDEN', message: 'only an admin' } });

function deviceOf(name: string, userId: string, list: LocalMessage[], over: Partial<DeviceGroup> = {}, extra: Partial<DeviceSnapshot> = {}): DeviceSnapshot {
  const group: DeviceGroup = { messages: list, listed: true, writable: true, title: 'T', members: [{ userId: A, role: 'admin' }, { userId: B, role: 'member' }, { userId: C, role: 'member' }], ...over };
  return { name, userId, messages: {}, outbox: [], conversationIds: [], groups: { [G]: group }, groupFailed: [], ...extra };
}

function world(): CheckInput {
  const s = record();
  const ofC = s.filter((m) => m.seq !== 4);
  const failed = refusedChange();
  return {
    userIds: [A, B, C],
    conversationIds: [],
    accepted: [],
    server: {},
    observations: [],
    devices: [
      deviceOf('a0', A, s.map((m) => local(m))),
      deviceOf('b0', B, [...s.map((m) => local(m)), failed], {}, { groupFailed: [failed] }),
      deviceOf('c0', C, ofC.map((m) => local(m))),
    ],
    groups: {
      accepted: [
        accepted(s[0]!, 'a0', 1, 0),
        accepted(s[1]!, 'b0', 2),
        accepted(s[2]!, 'a0', 3),
        accepted(s[3]!, 'a0', 4),
        accepted(s[4]!, 'a0', 5),
        accepted(s[5]!, 'c0', 6),
        { key: failed.key, senderId: B, group: CREATION, kind: 'remove', userIds: [A], device: 'b0', op: 7, knownSeq: 2 },
      ],
      refusedHere: [],
      server: [{ id: G, histories: { [A]: s, [B]: s, [C]: ofC }, info: { title: 'T', members: [{ userId: A, role: 'admin' }, { userId: B, role: 'member' }, { userId: C, role: 'member' }] } }],
      applied: ofC.map((m) => ({ device: 'c0', accountId: C, conversationId: G, seq: m.seq, key: key(m), t: m.seq, op: m.seq })),
    },
  };
}

const named = (input: CheckInput) => checkGroups(input).map((v) => v.invariant);

describe('group replay', () => {
  it('gives periods with the gap of a removal, and promotes the oldest member when the last admin leaves', () => {
    const r = replayGroup([...record(), msg(7, A, 'sent', { kind: 'member-left', actorId: A, userIds: [A] })]);
    expect(r.periods.get(C)).toEqual([{ from: 1, to: 3 }, { from: 5, to: null }]);
    expect(r.periods.get(A)).toEqual([{ from: 1, to: 7 }]);
    expect(r.states[7]!.members.get(B)?.role).toBe('admin');
    expect(r.illegal.size).toBe(0);
  });

  it('makes an admin by a member-promoted message, and flags one made by a member who is not an admin', () => {
    const r = replayGroup([...record(), msg(7, A, 'sent', { kind: 'member-promoted', actorId: A, userIds: [B] }), msg(8, C, 'sent', { kind: 'member-promoted', actorId: C, userIds: [C] })]);
    expect(r.states[7]!.members.get(B)?.role).toBe('admin');
    expect([...r.illegal.keys()]).toEqual([8]);
  });
});

describe('group invariants', () => {
  it('pass on a converged record (a removal, a re-addition, a refused change)', () => {
    expect(checkGroups(world())).toEqual([]);
  });

  it('catch the server handing a removed member what was said while it was away', () => {
    const w = world();
    w.groups!.server[0]!.histories[C] = record();
    expect(named(w)).toEqual(['group-periods']);
  });

  it('catch a device holding, or handed, a message outside its periods', () => {
    const w = world();
    const c0 = w.devices[2]!.groups![G]!;
    c0.messages = record().map((m) => local(m));
    w.groups!.applied.push({ device: 'c0', accountId: C, conversationId: G, seq: 4, key: `${A}:c-4`, t: 9, op: 9 });
    expect(named(w)).toEqual(['group-privacy', 'group-privacy']);
  });

  it('catch a refused change that was applied all the same (half-applied, and against the rules)', () => {
    const w = world();
    const applied = msg(7, B, 'sent', { kind: 'member-removed', actorId: B, userIds: [A] });
    applied.clientId = 'c-refused';
    for (const h of Object.values(w.groups!.server[0]!.histories)) h!.push(applied);
    const kinds = named(w);
    expect(kinds).toContain('group-rules');
    expect(checkGroups(w).some((v) => v.invariant === 'group-once' && v.message.startsWith('half-applied'))).toBe(true);
  });

  it('catch a lost message, a duplicate and a gap', () => {
    const w = world();
    const s = record();
    const dup = { ...s[1]!, seq: 7, id: 'm7' };
    w.groups!.server[0]!.histories = { [A]: [...s.filter((m) => m.seq !== 4), dup], [B]: null, [C]: null };
    const v = checkGroups(w);
    expect(v.filter((x) => x.invariant === 'group-gaps').map((x) => x.message)).toEqual([`${G}: seqs are not 1..7: no reader has 4`]);
    const once = v.filter((x) => x.invariant === 'group-once').map((x) => x.message.split(':')[0]);
    expect(once).toContain('duplicated');
    expect(once).toContain('lost');
  });

  it('catch a refusal no state explains, and accept a change that changed nothing', () => {
    const w = world();
    const rename = { ...local(msg(9, A, 'sent', { kind: 'title-changed', actorId: A, title: 'U' })), key: `${A}:c-r`, seq: null, status: 'failed' as const, error: { code: 'FORBIDDEN' as const, message: 'x' } };
    w.devices[0]!.groupFailed = [rename];
    w.devices[0]!.groups![G]!.messages.push(rename);
    w.groups!.accepted.push({ key: rename.key, senderId: A, group: CREATION, kind: 'rename', title: 'U', device: 'a0', op: 8, knownSeq: 6 });
    // An addition of B, a member all along: the server stored nothing, the device dropped it.
    w.groups!.accepted.push({ key: `${A}:c-noop`, senderId: A, group: CREATION, kind: 'add', userIds: [B], device: 'a0', op: 9, knownSeq: 6 });
    expect(named(w)).toEqual(['group-refusal']);
  });

  it('catch a removed member shown writable, a stale title, and an own status behind the server', () => {
    const w = world();
    const s = record();
    s.push(msg(7, A, 'sent', { kind: 'member-removed', actorId: A, userIds: [C] }));
    w.groups!.server[0]!.histories = { [A]: s, [B]: s, [C]: [...s.filter((m) => m.seq !== 4)] };
    w.groups!.server[0]!.info!.members.pop();
    w.groups!.accepted.push(accepted(s[6]!, 'a0', 8));
    for (const d of w.devices) d.groups![G]!.messages = w.groups!.server[0]!.histories[d.userId]!.map((m) => local(m));
    for (const d of w.devices.slice(0, 2)) d.groups![G]!.members.pop();
    w.devices[1]!.groups![G]!.messages.push(refusedChange());
    w.devices[0]!.groups![G]!.title = 'old';
    w.devices[0]!.groups![G]!.messages[3]!.status = 'sent';
    const v = checkGroups(w);
    expect(v.map((x) => x.invariant).sort()).toEqual(['group-status', 'group-writable', 'group-writable']);
    expect(v.find((x) => x.message.includes('c0'))?.message).toContain('no longer a member');
  });

  it('catch a device refusing a member at once, and messages typed in one order stored in another', () => {
    const w = world();
    w.groups!.refusedHere.push({ device: 'a0', accountId: A, group: CREATION, what: 'group-send', op: 9, code: 'FORBIDDEN', knownSeq: 6, held: [1, 2, 3, 4, 5, 6], ownLeaveBefore: false });
    // C (removed at 3, not added back in what its device held) refused at once: explained.
    w.groups!.refusedHere.push({ device: 'c0', accountId: C, group: CREATION, what: 'group-send', op: 4, code: 'FORBIDDEN', knownSeq: 3, held: [1, 2, 3], ownLeaveBefore: false });
    const a = w.groups!.accepted;
    a[3] = { ...a[3]!, op: 10 };
    expect(named(w).sort()).toEqual(['group-sender-order', 'group-writable']);
  });

  it('explain a refusal by a removal the device stored while the call ran, and only by that', () => {
    const w = world();
    // C held up to 2 (a member) when the call started; its removal at 3 arrived before the refusal was recorded.
    w.groups!.refusedHere.push({ device: 'c0', accountId: C, group: CREATION, what: 'group-send', op: 3, code: 'FORBIDDEN', knownSeq: 2, held: [1, 2], heldAfter: [1, 2, 3], ownLeaveBefore: false });
    expect(named(w)).toEqual([]);
    // Nothing new arrived: a member refused.
    w.groups!.refusedHere[0] = { ...w.groups!.refusedHere[0]!, heldAfter: [1, 2] };
    expect(named(w)).toEqual(['group-writable']);
  });
});
