import { describe, expect, it } from 'vitest';
import type { Attachment, Message } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import { checkAll, type CheckInput, type DeviceSnapshot } from './invariants.ts';

const A = 'ua';
const B = 'ub';
const AB = `dm:${A}:${B}`;
const T = '2026-12-01T17:00:00.000Z';
const SHA = (c: string) => c.repeat(64);

/**
 * A's m1 carries a PNG and random bytes, B's m2 carries a text file; every copy agrees, the uploads
 * stand where the messages say, and every participant's device read the right bytes. Each test
 * breaks one thing.
 */
function world(): CheckInput {
  const png: Attachment = { id: 'att1', name: 'IMG_1.png', mime: 'image/png', size: 900, sha256: SHA('a'), width: 16, height: 12, preview: 'abc' };
  const bin: Attachment = { id: 'att2', name: 'data-1.bin', mime: 'application/octet-stream', size: 5000, sha256: SHA('b') };
  const txt: Attachment = { id: 'att3', name: 'notes ü.txt', mime: 'text/plain', size: 300, sha256: SHA('c') };
  const msg = (seq: number, clientId: string, from: string, to: string, attachments: Attachment[]): Message => ({
    id: `m${seq}`,
    clientId,
    conversationId: AB,
    senderId: from,
    recipientId: to,
    body: seq === 1 ? '' : 'caption',
    seq,
    createdAt: T,
    status: 'read',
    type: 'text',
    replyTo: null,
    reactions: [],
    editedAt: null,
    deletedAt: null,
    attachments,
    version: 0,
  });
  const m1 = msg(1, 'c-000001', A, B, [png, bin]);
  const m2 = msg(2, 'c-000002', B, A, [txt]);
  const local = (m: Message): LocalMessage => ({ ...m, key: `${m.senderId}:${m.clientId}`, localCreatedAt: 0 });
  const device = (name: string, userId: string): DeviceSnapshot => ({ name, userId, messages: { [AB]: [local(m1), local(m2)] }, outbox: [], conversationIds: [AB] });
  const file = (a: Attachment, clientId: string, kind: 'png' | 'bin' | 'text') => ({
    clientId,
    localId: `local:${clientId}`,
    name: a.name,
    kind,
    size: a.size,
    sha256: a.sha256,
    ...(kind === 'png' ? { width: 16, height: 12 } : {}),
  });
  const k1 = `${A}:c-000001`;
  const k2 = `${B}:c-000002`;
  const devices = ['a', 'a2', 'b'];
  return {
    userIds: [A, B],
    conversationIds: [AB],
    accepted: [
      { key: k1, clientId: 'c-000001', senderId: A, recipientId: B, conversationId: AB, body: '', device: 'a', op: 1 },
      { key: k2, clientId: 'c-000002', senderId: B, recipientId: A, conversationId: AB, body: 'caption', device: 'b', op: 2 },
    ],
    server: { [AB]: [m1, m2] },
    devices: [device('a', A), device('a2', A), device('b', B)],
    observations: [],
    attachments: {
      sends: [
        { key: k1, device: 'a', senderId: A, recipientId: B, conversationId: AB, op: 1, files: [file(png, 'up-1', 'png'), file(bin, 'up-2', 'bin')] },
        { key: k2, device: 'b', senderId: B, recipientId: A, conversationId: AB, op: 2, files: [file(txt, 'up-3', 'text')] },
      ],
      uploads: [
        { key: k1, index: 0, status: 200, attachmentId: 'att1' },
        { key: k1, index: 1, status: 200, attachmentId: 'att2' },
        { key: k2, index: 0, status: 200, attachmentId: 'att3' },
      ],
      downloads: devices.flatMap((d) =>
        [
          [k1, png],
          [k1, bin],
          [k2, txt],
        ].map(([key, a]) => ({ device: d, key: key as string, attachmentId: (a as Attachment).id, sha256: (a as Attachment).sha256, size: (a as Attachment).size })),
      ),
    },
  };
}

const K1 = `${A}:c-000001`;
const kinds = (input: CheckInput) => [...new Set(checkAll(input).map((v) => v.invariant))];
const m1 = (w: CheckInput) => w.server[AB]![0]!;
/** Changes m1 on the server and on every device: a consistent, wrong state. */
const everywhere = (w: CheckInput, over: Partial<Message>) => {
  w.server[AB]![0] = { ...m1(w), ...over };
  for (const d of w.devices) d.messages[AB]![0] = { ...d.messages[AB]![0]!, ...over };
};

describe('attachment invariants', () => {
  it('pass on the record as made', () => {
    expect(checkAll(world())).toEqual([]);
  });

  it('attachment-once: a file missing, out of order, with other bytes, or sniffed wrong', () => {
    const missing = world();
    everywhere(missing, { attachments: [m1(missing).attachments![0]!] });
    expect(kinds(missing)).toEqual(['attachment-once']);
    const swapped = world();
    everywhere(swapped, { attachments: [...m1(swapped).attachments!].reverse() });
    expect(kinds(swapped)).toEqual(['attachment-once']);
    const bytes = world();
    everywhere(bytes, { attachments: [{ ...m1(bytes).attachments![0]!, sha256: SHA('f') }, m1(bytes).attachments![1]!] });
    expect(kinds(bytes)).toContain('attachment-once');
    const sniffed = world();
    everywhere(sniffed, { attachments: [m1(sniffed).attachments![0]!, { ...m1(sniffed).attachments![1]!, mime: 'image/gif' }] });
    expect(kinds(sniffed)).toEqual(['attachment-once']);
  });

  it('attachment-once: a second copy of an upload, one attachment on two messages, one clientId for two files', () => {
    const second = world();
    second.attachments!.uploads![1] = { key: K1, index: 1, status: 200, attachmentId: 'att9' };
    expect(kinds(second)).toEqual(['attachment-once']);
    const half = world();
    half.attachments!.uploads![0] = { key: K1, index: 0, status: 202, offset: 100 };
    expect(checkAll(half)[0]!.message).toContain('stands at 202');
    const shared = world();
    const m2 = shared.server[AB]![1]!;
    shared.server[AB]![1] = { ...m2, attachments: [m1(shared).attachments![1]!] };
    expect(kinds(shared)).toContain('attachment-once');
    const reused = world();
    reused.attachments!.sends[0]!.files[1] = { ...reused.attachments!.sends[0]!.files[1]!, clientId: 'up-1' };
    expect(kinds(reused)).toEqual(['attachment-once']);
  });

  it('attachment-converge: a device still showing its local file, or other attachments, or keeping them after a delete', () => {
    const local = world();
    const row = local.devices[0]!.messages[AB]![0]!;
    local.devices[0]!.messages[AB]![0] = { ...row, attachments: [{ ...row.attachments![0]!, id: 'local:up-1' }, row.attachments![1]!] };
    expect(kinds(local)).toEqual(['attachment-converge']);
    const deleted = world();
    deleted.server[AB]![0] = { ...m1(deleted), body: '', deletedAt: T, attachments: [] };
    for (const d of deleted.devices.slice(1)) d.messages[AB]![0] = { ...d.messages[AB]![0]!, body: '', deletedAt: T, attachments: [] };
    deleted.devices[0]!.messages[AB]![0] = { ...deleted.devices[0]!.messages[AB]![0]!, body: '', deletedAt: T };
    expect(kinds(deleted)).toEqual(['attachment-converge']);
  });

  it('attachment-bytes: wrong bytes, a failed download, a device never asked', () => {
    const wrong = world();
    wrong.attachments!.downloads![4] = { ...wrong.attachments!.downloads![4]!, sha256: SHA('e') };
    expect(kinds(wrong)).toEqual(['attachment-bytes']);
    const failed = world();
    failed.attachments!.downloads![0] = { device: 'a', key: K1, attachmentId: 'att1', error: 'FORBIDDEN: not yours' };
    expect(checkAll(failed)[0]!.message).toContain('FORBIDDEN');
    const never = world();
    never.attachments!.downloads = never.attachments!.downloads!.filter((d) => d.device !== 'b');
    expect(kinds(never)).toEqual(['attachment-bytes']);
  });

  it('attachment-never-lost: a send with files the server never got, failed or pending on its device', () => {
    const failed = world();
    failed.server[AB] = failed.server[AB]!.slice(1).map((m) => ({ ...m, seq: 1 }));
    const row = failed.devices[0]!.messages[AB]![0]!;
    failed.devices[0]!.outbox = [{ ...row, id: null, seq: null, status: 'failed', error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'refused' } }];
    const v = checkAll(failed).filter((x) => x.invariant === 'attachment-never-lost');
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toContain('failed on a with UNSUPPORTED_MEDIA_TYPE');
    const pending = world();
    pending.server[AB] = pending.server[AB]!.slice(1);
    pending.devices[0]!.outbox = [{ ...pending.devices[0]!.messages[AB]![0]!, status: 'pending', seq: null, id: null }];
    expect(checkAll(pending).find((x) => x.invariant === 'attachment-never-lost')!.message).toContain('still pending on a');
  });
});
