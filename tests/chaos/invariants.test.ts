import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import { checkAll, type Accepted, type CheckInput, type DeviceSnapshot } from './invariants.ts';
import { tokenReuses } from './run.ts';
import { problemsOf } from './storage-probe.ts';

const A = 'ua';
const B = 'ub';
const C = 'uc';
const AB = `dm:${A}:${B}`;

function server(seq: number, clientId: string, status: Message['status'] = 'sent', from = A, to = B): Message {
  return { id: `m${seq}`, clientId, conversationId: AB, senderId: from, recipientId: to, body: `b-${clientId}`, seq, createdAt: '2025-01-01T00:00:00Z', status };
}
const local = (m: Message, over: Partial<LocalMessage> = {}): LocalMessage => ({ ...m, key: `${m.senderId}:${m.clientId}`, localCreatedAt: 0, ...over });
const accepted = (m: Message): Accepted => ({
  key: `${m.senderId}:${m.clientId}`,
  clientId: m.clientId,
  senderId: m.senderId,
  recipientId: m.recipientId,
  conversationId: AB,
  body: m.body,
  device: 'u0d0',
  op: 1,
});
const device = (name: string, userId: string, list: LocalMessage[], extra: Partial<DeviceSnapshot> = {}): DeviceSnapshot => ({
  name,
  userId,
  messages: { [AB]: list },
  outbox: [],
  conversationIds: [AB],
  ...extra,
});

function world(over: Partial<CheckInput> = {}): CheckInput {
  const s = [server(1, 'c-000001', 'read'), server(2, 'c-000002', 'delivered', B, A)];
  return {
    userIds: [A, B, C],
    conversationIds: [AB],
    accepted: s.map(accepted),
    server: { [AB]: s },
    devices: [device('a', A, s.map((m) => local(m))), device('b', B, s.map((m) => local(m)))],
    observations: [],
    ...over,
  };
}

const kinds = (input: CheckInput) => checkAll(input).map((v) => v.invariant);

describe('invariants', () => {
  it('pass on a converged world', () => {
    expect(checkAll(world())).toEqual([]);
  });

  it('catch a message lost by the server, and one the harness never sent', () => {
    const w = world();
    w.accepted.push(accepted(server(3, 'c-000003')));
    w.server[AB]!.push(server(3, 'c-ghost01'));
    const v = checkAll(w).filter((x) => x.invariant === 'once-on-server');
    expect(v.map((x) => x.message.split(':')[0])).toEqual(['lost', 'phantom']);
  });

  it('catch a duplicate on the server', () => {
    const w = world();
    w.server[AB]!.push({ ...server(3, 'c-000001'), id: 'dup' });
    expect(kinds(w)).toContain('once-on-server');
  });

  it('catch gaps in seq', () => {
    const w = world();
    w.server[AB]![1] = { ...w.server[AB]![1]!, seq: 3 };
    expect(kinds(w)).toContain('no-gaps');
  });

  it('catch a device missing a message, and a device with a different order', () => {
    const w = world();
    const [m1, m2] = w.server[AB]!;
    w.devices[0] = device('a', A, [local(m1!)]);
    w.devices[1] = device('b', B, [local(m2!, { seq: 1 }), local(m1!, { seq: 2 })]);
    expect(kinds(w)).toEqual(expect.arrayContaining(['once-on-devices', 'same-order']));
  });

  /** The converged world plus a third message of A's (seq 3), typed on u0d0 at op `op`. */
  const withThird = (op: number) => {
    const w = world();
    const m3 = server(3, 'c-000003');
    w.server[AB]!.push(m3);
    w.accepted.push({ ...accepted(m3), op });
    for (const d of w.devices) d.messages[AB]!.push(local(m3));
    return w;
  };

  it('catch messages one account typed on one device stored out of typing order', () => {
    expect(kinds(withThird(2))).toEqual([]);
    expect(kinds(withThird(0))).toEqual(['sender-order']);
  });

  it('do not order two accounts taking turns on one device against each other', () => {
    // B typed on u0d0 (during an account switch) before A's first message, and got a later seq.
    const w = world();
    w.accepted[1] = { ...w.accepted[1]!, device: 'u0d0', op: 0 };
    expect(kinds(w)).toEqual([]);
  });

  it('catch a status that differs from the server and one seen going backwards', () => {
    const w = world();
    const [m1, m2] = w.server[AB]!;
    w.devices[1] = device('b', B, [local(m1!, { status: 'delivered' }), local(m2!)]);
    w.observations.push({ device: 'a', kind: 'status-backwards', key: `${A}:c-000001`, detail: 'read → sent', t: 5, op: 3 });
    expect(kinds(w)).toEqual(['same-status', 'status-monotonic']);
  });

  it('catch a message shown to a non-member', () => {
    const w = world();
    w.devices.push(device('c', C, w.server[AB]!.map((m) => local(m))));
    expect(kinds(w)).toContain('privacy');
  });

  it('catch a non-empty outbox and a lost session', () => {
    const w = world();
    const pending = local(server(3, 'c-000003'), { seq: null, status: 'pending', id: null });
    w.devices[0] = { ...w.devices[0]!, outbox: [pending] };
    w.observations.push({ device: 'b', kind: 'signed-out', detail: 'expired', t: 1, op: 1 });
    expect(kinds(w)).toEqual(['outbox-empty', 'session']);
  });

  it('catch a device left signed in as someone else, and an account that could not sign in again', () => {
    const w = world();
    w.devices[0] = { ...w.devices[0]!, expectedUserId: C };
    w.observations.push({ device: 'b', kind: 'switch-failed', detail: 'could not sign in as c', t: 1, op: 1 });
    const v = checkAll(w);
    expect(v.map((x) => x.invariant)).toEqual(['session', 'session']);
    expect(v.find((x) => x.message.includes('switch-failed'))?.around).toEqual({ device: 'b', t: 1 });
  });

  it("catch a device whose search does not find exactly the shown messages with a word", () => {
    const w = world();
    w.devices[0] = { ...w.devices[0]!, searchMismatch: ['"17" in c: missing ["a:1"], extra []'] };
    const v = checkAll(w);
    expect(v.map((x) => x.invariant)).toEqual(['device-search']);
    expect(v[0]!.message).toContain('missing ["a:1"]');
  });

  it('catch a device that stores a message twice or a block out of shape', () => {
    const row = (seq: number, extra: Partial<LocalMessage> = {}) => ({ ...local(server(seq, String(seq)), { conversationId: 'c' }), key: `a:${seq}`, ...extra });
    const block = (rows: ReturnType<typeof row>[]) => ({ conversationId: 'c', firstSeq: rows[0]!.seq!, lastSeq: rows.at(-1)!.seq!, keys: rows.map((r) => r.key), ids: rows.map((r) => r.id!), unread: [], rows });
    expect(problemsOf([row(9)], [block([row(1), row(2)]), block([row(3), row(4)])])).toEqual([]);
    expect(problemsOf([row(2)], [block([row(1), row(2)])])).toEqual(['a:2 is in a row and in block c@1']);
    expect(problemsOf([], [block([row(1), row(3)]), block([row(2), row(4)])])).toEqual(['blocks of c overlap: 1–3 and 2–4']);
    expect(problemsOf([], [block([row(1), row(2, { pendingActions: 1 })])])[0]).toContain('needs a row');
    const w = world();
    w.devices[0] = { ...w.devices[0]!, storageProblem: ['a:2 is in a row and in block c@1'] };
    expect(checkAll(w).map((x) => x.invariant)).toEqual(['device-storage']);
  });

  it('catch a session the server revoked for a replayed refresh token', () => {
    const w = world({ tokenReuses: [{ userId: A, sessionId: 's1', sinceRotationMs: 31_000, at: '2026-01-01T00:00:00.000Z' }] });
    expect(kinds(w)).toEqual(['token-reuse']);
  });
});

describe('the server log', () => {
  it('yields the sessions revoked for refresh-token reuse, and nothing else', () => {
    const log = [
      '--- start #1 at 2026-01-01T00:00:00.000Z ---',
      JSON.stringify({ level: 40, time: 1767225600000, msg: 'some other warning' }),
      JSON.stringify({ level: 40, time: 1767225600000, sessionId: 's1', userId: A, sinceRotation: 45_000, msg: 'refresh token reused: session revoked' }),
    ].join('\n');
    expect(tokenReuses(log)).toEqual([{ userId: A, sessionId: 's1', sinceRotationMs: 45_000, at: '2026-01-01T00:00:00.000Z' }]);
  });
});
