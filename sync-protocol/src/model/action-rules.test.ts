import { describe, expect, it } from 'vitest';
import { LIMITS } from '../limits.ts';
import { applyAction, cutText, judgeAction, replyRefOf, withQuoteRemoved, type ActionRequest, type ActionSubject } from './action-rules.ts';
import { withMessageDefaults, type Message } from './message.ts';
import type { MessageAction } from './message-action.ts';

const CREATED = '2026-12-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(CREATED) + ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

const message = (over: Partial<Message> = {}): Message =>
  withMessageDefaults({
    id: 'm1', clientId: 'c1', conversationId: 'dm:a:b', senderId: 'a', recipientId: 'b', body: 'hello',
    seq: 3, createdAt: CREATED, status: 'delivered', ...over,
  });

const req = (actorId: string, action: MessageAction, ms = 1000): ActionRequest => ({ actorId, clientId: 'x1', messageId: 'm1', at: at(ms), ...action });
const subject = (m: Message, standing: Partial<Omit<ActionSubject, 'message'>> = {}): ActionSubject => ({ message: m, visible: true, member: true, ...standing });
const codeOf = (r: ActionRequest, s: ActionSubject | null) => judgeAction(r, s)?.code ?? null;

describe('judgeAction', () => {
  it('NOT_FOUND for no message or one outside the actor’s view, whatever the action', () => {
    for (const action of [{ kind: 'react', emoji: '👍' }, { kind: 'edit', body: 'x' }, { kind: 'delete' }, { kind: 'hide' }] as const) {
      expect(codeOf(req('a', action), null)).toBe('NOT_FOUND');
      expect(codeOf(req('a', action), subject(message(), { visible: false, member: true }))).toBe('NOT_FOUND');
    }
  });

  it('hide: anyone who can see it, member or not, system or deleted', () => {
    const hide = { kind: 'hide' } as const;
    expect(codeOf(req('c', hide, 100 * HOUR), subject(message(), { member: false }))).toBeNull();
    expect(codeOf(req('b', hide), subject(message({ type: 'system', body: '' })))).toBeNull();
    expect(codeOf(req('b', hide), subject(message({ deletedAt: at(5) })))).toBeNull();
  });

  it('VALIDATION on a system message before any membership question', () => {
    const system = message({ type: 'system', body: '' });
    expect(codeOf(req('b', { kind: 'react', emoji: '👍' }), subject(system, { member: false }))).toBe('VALIDATION');
    expect(codeOf(req('a', { kind: 'edit', body: 'x' }), subject(system))).toBe('VALIDATION');
    expect(codeOf(req('a', { kind: 'delete' }), subject(system))).toBe('VALIDATION');
  });

  it('react: members only, any time, not on a tombstone', () => {
    const react = { kind: 'react', emoji: '👍' } as const;
    expect(codeOf(req('b', react, 1000 * HOUR), subject(message()))).toBeNull();
    expect(codeOf(req('b', react), subject(message(), { member: false }))).toBe('FORBIDDEN');
    expect(codeOf(req('b', react), subject(message({ deletedAt: at(5) })))).toBe('CONFLICT');
  });

  it('edit: the sender, a member, up to 15 minutes (inclusive), not on a tombstone', () => {
    const edit = { kind: 'edit', body: 'new' } as const;
    expect(codeOf(req('a', edit, LIMITS.editWindowMs), subject(message()))).toBeNull();
    expect(codeOf(req('a', edit, LIMITS.editWindowMs + 1), subject(message()))).toBe('CONFLICT');
    expect(codeOf(req('b', edit), subject(message()))).toBe('FORBIDDEN');
    expect(codeOf(req('a', edit), subject(message(), { member: false }))).toBe('FORBIDDEN');
    expect(codeOf(req('a', edit), subject(message({ deletedAt: at(5) })))).toBe('CONFLICT');
  });

  it('delete: the sender, a member, up to 48 hours; a tombstone again is fine at any time', () => {
    const del = { kind: 'delete' } as const;
    expect(codeOf(req('a', del, LIMITS.deleteWindowMs), subject(message()))).toBeNull();
    expect(codeOf(req('a', del, LIMITS.deleteWindowMs + 1), subject(message()))).toBe('CONFLICT');
    expect(codeOf(req('b', del), subject(message()))).toBe('FORBIDDEN');
    expect(codeOf(req('a', del), subject(message(), { member: false }))).toBe('FORBIDDEN');
    expect(codeOf(req('a', del, 100 * HOUR), subject(message({ deletedAt: at(5) })))).toBeNull();
  });
});

describe('applyAction', () => {
  it('react: one per user, the newest last; the same emoji or removing none changes nothing', () => {
    const m0 = message();
    const m1 = applyAction(m0, req('b', { kind: 'react', emoji: '👍' }))!;
    expect(m1).toEqual({ ...m0, reactions: [{ userId: 'b', emoji: '👍' }], version: 1 });
    const m2 = applyAction(m1, req('a', { kind: 'react', emoji: '😂' }))!;
    const m3 = applyAction(m2, req('b', { kind: 'react', emoji: '❤️' }))!;
    expect(m3.reactions).toEqual([{ userId: 'a', emoji: '😂' }, { userId: 'b', emoji: '❤️' }]);
    expect(m3.version).toBe(3);
    expect(applyAction(m3, req('b', { kind: 'react', emoji: '❤️' }))).toBeNull();
    const m4 = applyAction(m3, req('b', { kind: 'react', emoji: '' }))!;
    expect(m4).toMatchObject({ reactions: [{ userId: 'a', emoji: '😂' }], version: 4 });
    expect(applyAction(m4, req('b', { kind: 'react', emoji: '' }))).toBeNull();
  });

  it('edit: body and editedAt (the request’s time); the same body changes nothing', () => {
    const m = message({ version: 2 });
    expect(applyAction(m, req('a', { kind: 'edit', body: 'changed' }, 5000))).toEqual({ ...m, body: 'changed', editedAt: at(5000), version: 3 });
    expect(applyAction(m, req('a', { kind: 'edit', body: 'hello' }))).toBeNull();
  });

  it('delete: a tombstone keeping id, seq, sender, times and status; once only', () => {
    const m = message({
      reactions: [{ userId: 'b', emoji: '👍' }],
      replyTo: { id: 'm0', senderId: 'b', preview: 'q' },
      attachments: [{ id: 'f1', name: 'a.png', mime: 'image/png', size: 3, sha256: 'abc' }],
      editedAt: at(10),
      version: 4,
    });
    const gone = applyAction(m, req('a', { kind: 'delete' }, 7000))!;
    expect(gone).toEqual({ ...m, body: '', reactions: [], replyTo: null, attachments: [], deletedAt: at(7000), version: 5 });
    expect(applyAction(gone, req('a', { kind: 'delete' }))).toBeNull();
  });

  it('hide changes no content (it is the actor’s alone)', () => {
    expect(applyAction(message(), req('b', { kind: 'hide' }))).toBeNull();
  });

  it('a message from an older client (no v2 fields) starts at version 0', () => {
    const { version: _, reactions: __, ...old } = message();
    expect(applyAction(old as Message, req('b', { kind: 'react', emoji: '👍' }))).toMatchObject({ version: 1, reactions: [{ userId: 'b', emoji: '👍' }] });
  });
});

describe('quotes', () => {
  it('replyRefOf: id, sender and the first 120 code points; empty once deleted', () => {
    expect(replyRefOf(message())).toEqual({ id: 'm1', senderId: 'a', preview: 'hello' });
    const long = message({ body: '🐦'.repeat(LIMITS.replyPreviewMaxChars + 1) });
    expect(replyRefOf(long).preview).toBe('🐦'.repeat(LIMITS.replyPreviewMaxChars));
    expect(replyRefOf(message({ body: '', deletedAt: at(1) })).preview).toBe('');
  });

  it('withQuoteRemoved: the preview emptied with version +1; nothing for a non-reply or an emptied quote', () => {
    const reply = message({ id: 'r1', replyTo: { id: 'm1', senderId: 'a', preview: 'hello' }, version: 1 });
    const emptied = withQuoteRemoved(reply)!;
    expect(emptied).toEqual({ ...reply, replyTo: { id: 'm1', senderId: 'a', preview: '' }, version: 2 });
    expect(withQuoteRemoved(emptied)).toBeNull();
    expect(withQuoteRemoved(message())).toBeNull();
  });

  it('cutText never splits a surrogate pair', () => {
    expect(cutText('a😀b', 2)).toBe('a😀');
    expect(cutText('short', 10)).toBe('short');
  });
});

describe('replyRefOf of a message with attachments', () => {
  const base = { id: 'm1', clientId: 'c1', conversationId: 'a:b', senderId: 'a', recipientId: 'b', seq: 1, createdAt: '2026-12-01T00:00:00.000Z', status: 'sent' as const };
  const photo = { id: 'p1', name: 'IMG_2041.jpg', mime: 'image/jpeg', size: 10, sha256: 'x' };
  const pdf = { id: 'f1', name: 'report.pdf', mime: 'application/pdf', size: 10, sha256: 'y' };

  it('quotes the caption when there is one', () => {
    expect(replyRefOf({ ...base, body: 'look', attachments: [photo] }).preview).toBe('look');
  });
  it('names the first file, with an icon and how many others, when there is no caption (never the empty "deleted" preview)', () => {
    expect(replyRefOf({ ...base, body: '', attachments: [photo] }).preview).toBe('📷 IMG_2041.jpg');
    expect(replyRefOf({ ...base, body: '', attachments: [pdf, photo, photo] }).preview).toBe('📎 report.pdf +2');
  });
  it('is empty once the original is deleted for everyone', () => {
    expect(replyRefOf({ ...base, body: '', attachments: [], deletedAt: '2026-12-01T00:01:00.000Z' }).preview).toBe('');
  });
});
