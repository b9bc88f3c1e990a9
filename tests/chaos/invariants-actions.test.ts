import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import { checkAll, type ActionIssued, type CheckInput, type DeviceSnapshot } from './invariants.ts';

const A = 'ua';
const B = 'ub';
const AB = `dm:${A}:${B}`;
const T = '2026-12-01T17:00:00.000Z';
const T2 = '2026-12-01T17:00:05.000Z';

/**
 * A 1:1 conversation after some actions: A's m1 edited by A and reacted 👍 then ❤️ by B (one
 * device); B's m2 reacted 🎉 by A and then deleted by B; B's m3 replies to m1, and A deleted it for
 * themself. Every copy agrees, so the record passes as made; each test breaks one thing.
 */
function world(): CheckInput {
  const base = (seq: number, clientId: string, from: string, to: string): Message => ({
    id: `m${seq}`,
    clientId,
    conversationId: AB,
    senderId: from,
    recipientId: to,
    body: `b-${clientId}`,
    seq,
    createdAt: T,
    status: 'read',
    type: 'text',
    replyTo: null,
    reactions: [],
    editedAt: null,
    deletedAt: null,
    attachments: [],
    version: 0,
  });
  const m1 = { ...base(1, 'c-000001', A, B), body: 'edited ✏️', editedAt: T2, reactions: [{ userId: B, emoji: '❤️' }], version: 3 };
  const m2 = { ...base(2, 'c-000002', B, A), body: '', deletedAt: T2, version: 2 };
  const m3 = { ...base(3, 'c-000003', B, A), replyTo: { id: 'm1', senderId: A, preview: 'b-c-000001' } };
  const server = [m1, m2, m3];
  const key = (m: Message) => `${m.senderId}:${m.clientId}`;
  const local = (m: Message, over: Partial<LocalMessage> = {}): LocalMessage => ({ ...m, key: key(m), localCreatedAt: 0, pendingActions: 0, ...over });
  const device = (name: string, userId: string, list: LocalMessage[]): DeviceSnapshot => ({ name, userId, messages: { [AB]: list }, outbox: [], conversationIds: [AB] });
  const issued: ActionIssued[] = [
    { op: 3, device: 'a', actorId: A, key: key(m1), kind: 'edit', body: 'edited ✏️' },
    { op: 4, device: 'b', actorId: B, key: key(m1), kind: 'react', emoji: '👍' },
    { op: 5, device: 'b', actorId: B, key: key(m1), kind: 'react', emoji: '❤️' },
    { op: 6, device: 'a', actorId: A, key: key(m2), kind: 'react', emoji: '🎉' },
    { op: 7, device: 'b', actorId: B, key: key(m2), kind: 'delete' },
    { op: 9, device: 'a', actorId: A, key: key(m3), kind: 'hide' },
  ];
  return {
    userIds: [A, B],
    conversationIds: [AB],
    accepted: server.map((m, k) => ({ key: key(m), clientId: m.clientId, senderId: m.senderId, recipientId: m.recipientId, conversationId: AB, body: `b-${m.clientId}`, device: m.senderId === A ? 'a' : 'b', op: k === 2 ? 8 : k })),
    server: { [AB]: server },
    devices: [device('a', A, [local(m1), local(m2), local(m3, { hiddenAt: T2 })]), device('b', B, server.map((m) => local(m)))],
    observations: [],
    actions: {
      issued,
      refusedHere: [{ op: 10, device: 'b', actorId: B, key: key(m1), kind: 'edit', code: 'FORBIDDEN', own: false, deleted: false, writable: true }],
      replies: [{ key: key(m3), target: key(m1), device: 'b', op: 8 }],
      feeds: { [A]: [m1, m2, { ...m3, hiddenAt: T2 }], [B]: server },
    },
  };
}

const M1 = `${A}:c-000001`;
const M2 = `${B}:c-000002`;
const M3 = `${B}:c-000003`;
const kinds = (input: CheckInput) => [...new Set(checkAll(input).map((v) => v.invariant))];
/** Changes the row of `key` on device `d` (0: a, 1: b). */
const row = (w: CheckInput, d: number, key: string, over: Partial<LocalMessage>) => {
  const list = w.devices[d]!.messages[AB]!;
  const k = list.findIndex((m) => m.key === key);
  list[k] = { ...list[k]!, ...over };
};
/** Changes the server's copy of `key` everywhere (history and feeds) and on both devices: a consistent, wrong state. */
const everywhere = (w: CheckInput, key: string, over: Partial<Message>) => {
  const fix = (list: Message[]) => list.forEach((m, k) => (`${m.senderId}:${m.clientId}` === key ? (list[k] = { ...m, ...over }) : null));
  fix(w.server[AB]!);
  Object.values(w.actions!.feeds).forEach(fix);
  row(w, 0, key, over);
  row(w, 1, key, over);
};

describe('message-action invariants', () => {
  it('pass on the record as made', () => {
    expect(checkAll(world())).toEqual([]);
  });

  it('catch a device that diverges from the server (an older reaction, a stale version, an action still pending)', () => {
    const w = world();
    row(w, 1, M1, { reactions: [{ userId: B, emoji: '👍' }], version: 2 });
    const v = checkAll(w);
    expect(v.map((x) => x.invariant)).toEqual(['action-converge']);
    expect(v[0]!.message).toContain('b: 1 messages differ');
    const p = world();
    row(p, 0, M1, { pendingActions: 1 });
    expect(kinds(p)).toEqual(['action-converge']);
  });

  it('catch server copies that disagree (a feed behind the history)', () => {
    const w = world();
    w.actions!.feeds[B] = w.actions!.feeds[B]!.map((m) => (m.id === 'm1' ? { ...m, body: 'b-c-000001', editedAt: null, version: 2 } : m));
    expect(kinds(w)).toEqual(['action-converge']);
  });

  it('catch a lost reaction, one applied out of order, one applied twice, and one nobody made', () => {
    const lost = world();
    everywhere(lost, M1, { reactions: [], version: 2 });
    expect(kinds(lost)).toEqual(['action-once']);
    const reordered = world();
    everywhere(reordered, M1, { reactions: [{ userId: B, emoji: '👍' }] });
    expect(kinds(reordered)).toEqual(['action-once']);
    const twice = world();
    everywhere(twice, M1, { version: 5 });
    expect(kinds(twice)).toEqual(['action-once']);
    const phantom = world();
    everywhere(phantom, M1, { reactions: [{ userId: B, emoji: '❤️' }, { userId: A, emoji: '😂' }], version: 3 });
    expect(checkAll(phantom).map((x) => x.message)).toEqual([`${M1}: ${A} reacted 😂, but never did`]);
  });

  it('excuse an action the device shows refused, but not a CONFLICT on a message that is not deleted', () => {
    const w = world();
    everywhere(w, M1, { reactions: [], version: 2 });
    row(w, 1, M1, { actionError: { kind: 'react', code: 'CONFLICT', message: 'the message was deleted' } });
    expect(kinds(w)).toEqual(['action-window']);
    const ok = world();
    row(ok, 0, M2, { actionError: { kind: 'react', code: 'CONFLICT', message: 'the message was deleted' } });
    expect(checkAll(ok)).toEqual([]);
  });

  it('excuse a refusal the device showed when its account signed out (cleared by the next sign-in since), and judge it', () => {
    // B's delete of M2 was refused, then another account signed in on b: the row is back without the error.
    const w = world();
    everywhere(w, M2, { deletedAt: null, body: `b-c-000002`, reactions: [{ userId: A, emoji: '🎉' }], version: 1 });
    expect(kinds(w)).toContain('action-once');
    const refused = { ...w.devices[1]!.messages[AB]!.find((m) => m.key === M2)!, actionError: { kind: 'delete' as const, code: 'CONFLICT' as const, message: 'x' } };
    w.devices[1]!.refusedAtSignOut = [{ userId: B, row: refused }];
    // Excused from action-once, and judged as any refusal: a CONFLICT on a delete is not one the record explains.
    expect(kinds(w)).toEqual(['action-window']);
  });

  it('excuse the actions on a message that failed for good (a group send the server refused), not the others', () => {
    const w = world();
    const failed: LocalMessage = { ...w.devices[0]!.messages[AB]![0]!, key: `${A}:c-failed01`, clientId: 'c-failed01', id: null, seq: null, conversationId: 'g:x', status: 'failed', actionError: { kind: 'edit', code: 'CONFLICT', message: 'the message was not sent' } };
    w.devices[0]!.groups = { 'g:x': { messages: [failed], listed: true, writable: false, title: 'x', members: [] } };
    expect(checkAll(w)).toEqual([]);
    w.devices[0]!.groups['g:x']!.messages[0] = { ...failed, status: 'pending' };
    expect(kinds(w)).toEqual(['action-window']);
  });

  it('catch a lost edit and a lost delete, and a deletion nobody made or that kept its content', () => {
    const edit = world();
    everywhere(edit, M1, { body: 'b-c-000001', editedAt: null, version: 2 });
    expect(kinds(edit)).toEqual(['action-once']);
    const del = world();
    everywhere(del, M2, { body: 'b-c-000002', deletedAt: null, reactions: [{ userId: A, emoji: '🎉' }], version: 1 });
    expect(kinds(del)).toEqual(['action-once']);
    const phantom = world();
    everywhere(phantom, M3, { body: '', deletedAt: T2, replyTo: null, version: 1 });
    expect(checkAll(phantom).map((x) => x.message)).toEqual([`${M3}: deleted for everyone, but nobody deleted it`, `${M3}: version 1 with only 0 actions made: something was applied twice`]);
    const kept = world();
    everywhere(kept, M2, { body: 'still here' });
    expect(kinds(kept)).toContain('action-terminal');
  });

  it('catch a hidden message shown on its user’s device or hidden on someone else’s, and accept it absent', () => {
    const shown = world();
    row(shown, 0, M3, { hiddenAt: null });
    expect(kinds(shown)).toEqual(['action-hidden']);
    const other = world();
    row(other, 1, M3, { hiddenAt: T2 });
    expect(kinds(other)).toEqual(['action-hidden']);
    const feed = world();
    feed.actions!.feeds[A] = feed.actions!.feeds[A]!.map((m) => ({ ...m, hiddenAt: null }));
    expect(kinds(feed)).toEqual(['action-hidden']);
    const listed = world();
    listed.devices[0]!.hiddenShown = [M3];
    expect(kinds(listed)).toEqual(['action-hidden']);
    const absent = world();
    absent.devices[0]!.messages[AB] = absent.devices[0]!.messages[AB]!.filter((m) => m.key !== M3);
    expect(checkAll(absent)).toEqual([]);
  });

  it('catch a reply quoting something else, and a quote kept after its original was deleted', () => {
    const w = world();
    everywhere(w, M3, { replyTo: { id: 'm2', senderId: B, preview: 'b-c-000001' } });
    expect(kinds(w)).toEqual(['action-reply']);
    const stale = world();
    stale.actions!.replies[0] = { ...stale.actions!.replies[0]!, target: M2 };
    everywhere(stale, M3, { replyTo: { id: 'm2', senderId: B, preview: 'b-c-000002' } });
    expect(kinds(stale)).toEqual(['action-reply']);
  });

  it('catch a refusal at once the device could not know, and live regressions', () => {
    const w = world();
    w.actions!.refusedHere.push({ op: 11, device: 'a', actorId: A, key: M1, kind: 'react', code: 'CONFLICT', own: true, deleted: false, writable: true });
    w.observations.push({ device: 'b', kind: 'undeleted', key: M2, detail: 'shown deleted, now "b"', t: 9, op: 12 });
    w.observations.push({ device: 'a', kind: 'version-backwards', key: M1, detail: 'version 3 → 1', t: 9, op: 12 });
    expect(checkAll(w).map((x) => x.invariant)).toEqual(['action-refusal', 'action-terminal', 'action-converge']);
  });

  it('excuse a CONFLICT at once on a message that failed for good (never stored), not on a stored one', () => {
    const w = world();
    w.actions!.refusedHere.push({ op: 11, device: 'a', actorId: A, key: `${A}:c-failed01`, kind: 'edit', code: 'CONFLICT', own: true, deleted: false, writable: false, failed: true });
    expect(checkAll(w).map((x) => x.invariant)).toEqual([]);
    // M1 is on the server: a device showing it failed does not excuse refusing its edit.
    w.actions!.refusedHere.push({ op: 12, device: 'a', actorId: A, key: M1, kind: 'edit', code: 'CONFLICT', own: true, deleted: false, writable: true, failed: true });
    expect(checkAll(w).map((x) => x.invariant)).toEqual(['action-refusal']);
  });
});
