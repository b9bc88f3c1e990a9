import type { LocalMessage } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { actionErrorText, availableActions, lastEditable } from './message-actions.ts';
import { groupReactions } from './reactions.ts';

const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const MIN = 60_000;

function msg(over: Partial<LocalMessage> = {}): LocalMessage {
  return {
    key: 'me:1',
    id: 'm1',
    clientId: '1',
    conversationId: 'c',
    senderId: 'me',
    recipientId: 'you',
    body: 'hi',
    seq: 1,
    createdAt: new Date(T0).toISOString(),
    localCreatedAt: T0,
    status: 'sent',
    ...over,
  };
}
const ctx = { meId: 'me', now: T0 + MIN, writable: true, group: false };

describe('availableActions', () => {
  it('offers everything on our own fresh message', () => {
    expect(availableActions(msg(), ctx)).toEqual(['reply', 'react', 'copy', 'edit', 'delete-everyone', 'delete-me']);
    expect(availableActions(msg(), { ...ctx, group: true })).toContain('info');
  });
  it('closes edit after 15 minutes and delete for everyone after 48 hours', () => {
    expect(availableActions(msg(), { ...ctx, now: T0 + 16 * MIN })).toEqual(['reply', 'react', 'copy', 'delete-everyone', 'delete-me']);
    expect(availableActions(msg(), { ...ctx, now: T0 + 49 * 60 * MIN })).toEqual(['reply', 'react', 'copy', 'delete-me']);
  });
  it('a photo without caption has nothing to copy', () => {
    const photo = msg({ body: '', attachments: [{ id: 'a1', name: 'p.png', mime: 'image/png', size: 10, sha256: 'x' }] });
    expect(availableActions(photo, ctx)).toEqual(['reply', 'react', 'edit', 'delete-everyone', 'delete-me']);
    expect(availableActions({ ...photo, status: 'failed' }, ctx)).toEqual([]);
  });

  it("someone else's message: no edit, no delete for everyone", () => {
    expect(availableActions(msg({ senderId: 'you' }), ctx)).toEqual(['reply', 'react', 'copy', 'delete-me']);
  });
  it('a tombstone only offers delete for me; a read-only chat no reply or react', () => {
    expect(availableActions(msg({ deletedAt: new Date(T0).toISOString(), body: '' }), ctx)).toEqual(['delete-me']);
    expect(availableActions(msg({ senderId: 'you' }), { ...ctx, writable: false })).toEqual(['copy', 'delete-me']);
    expect(availableActions(msg({ status: 'failed' }), ctx)).toEqual(['copy']);
    expect(availableActions(msg({ type: 'system' }), ctx)).toEqual([]);
  });
});

describe('lastEditable', () => {
  it('is our newest text message while its window is open', () => {
    const list = [msg({ key: 'a' }), msg({ key: 'b', senderId: 'you' })];
    expect(lastEditable(list, 'me', T0 + MIN)?.key).toBe('a');
    expect(lastEditable(list, 'me', T0 + 20 * MIN)).toBeUndefined();
    expect(lastEditable([msg({ key: 'a' }), msg({ key: 'c', deletedAt: 'x' })], 'me', T0 + MIN)).toBeUndefined();
  });
});

describe('actionErrorText', () => {
  it('says which action and why', () => {
    expect(actionErrorText({ actionError: { kind: 'edit', code: 'CONFLICT', message: 'x' } })).toBe('Edit not applied: the 15-minute window has closed');
    expect(actionErrorText({ actionError: { kind: 'react', code: 'CONFLICT', message: 'x' } })).toBe('Reaction not applied: the message was deleted');
    expect(actionErrorText({})).toBe('');
  });
});

describe('groupReactions', () => {
  it('counts by emoji in first-seen order and marks ours', () => {
    const g = groupReactions(
      [
        { userId: 'a', emoji: '👍' },
        { userId: 'me', emoji: '❤️' },
        { userId: 'b', emoji: '👍' },
      ],
      'me',
    );
    expect(g.map((x) => [x.emoji, x.count, x.mine])).toEqual([
      ['👍', 2, false],
      ['❤️', 1, true],
    ]);
  });
});
