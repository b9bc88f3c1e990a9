import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../api.ts';
import { contentOf, contentOfServer, overlay, showPending, withContent, type Content, type PendingAction } from './pending-actions.ts';
import type { Message } from '../../model/message.ts';

const ME = 'u-me';
const T1 = '2025-01-01T00:01:00.000Z';
const T2 = '2025-01-01T00:02:00.000Z';

const base: Content = { body: 'hello', reactions: [{ userId: 'u-peer', emoji: '👍' }], editedAt: null, deletedAt: null, replyTo: null, attachments: [], version: 3 };

describe('overlay: the server state with pending actions on top', () => {
  it('applies the actions in order, as the server would, and keeps the base version', () => {
    const pending: PendingAction[] = [
      { kind: 'react', emoji: '😂', at: T1 },
      { kind: 'edit', body: 'hello there', at: T1 },
      { kind: 'react', emoji: '❤️', at: T2 }, // replaces my earlier reaction, goes last
      { kind: 'edit', body: 'hi', at: T2 },
    ];
    const shown = overlay(base, pending, ME);
    expect(shown.body).toBe('hi');
    expect(shown.editedAt).toBe(T2);
    expect(shown.reactions).toEqual([{ userId: 'u-peer', emoji: '👍' }, { userId: ME, emoji: '❤️' }]);
    expect(shown.version).toBe(3);
  });

  it("removing one's reaction with '' leaves the others", () => {
    const mine = { ...base, reactions: [...base.reactions, { userId: ME, emoji: '😂' }] };
    expect(overlay(mine, [{ kind: 'react', emoji: '', at: T1 }], ME).reactions).toEqual(base.reactions);
  });

  it('a delete for everyone is terminal: later reactions and edits show nothing', () => {
    const shown = overlay(base, [{ kind: 'delete', at: T1 }, { kind: 'edit', body: 'again', at: T2 }, { kind: 'react', emoji: '😂', at: T2 }], ME);
    expect(shown).toEqual({ body: '', reactions: [], editedAt: null, deletedAt: T1, replyTo: null, attachments: [], version: 3 });
  });

  it('a hide is not content', () => {
    expect(overlay(base, [{ kind: 'hide', at: T1 }], ME)).toEqual(base);
  });
});

describe('rows', () => {
  const row = { key: 'k', body: 'hello', status: 'sent', version: 3, reactions: base.reactions } as Partial<LocalMessage> & { body: string; base?: Content };

  it('withContent leaves defaults out (a row without actions looks like one stored before v2)', () => {
    const plain = withContent({ key: 'k', body: 'x', editedAt: '2025', reactions: [] } as Partial<LocalMessage> & { body: string }, contentOf({ body: 'y' }));
    expect(plain).toEqual({ key: 'k', body: 'y' });
  });

  it('showPending keeps the base and a count only while something is pending', () => {
    const withEdit = showPending(row, contentOf(row), [{ kind: 'edit', body: 'edited', at: T1 }], ME);
    expect(withEdit).toMatchObject({ body: 'edited', editedAt: T1, pendingActions: 1, version: 3, base: { body: 'hello', version: 3 } });
    // The edit acked (or refused): the same row with nothing pending is its base again.
    const settled = showPending(withEdit, withEdit.base!, [], ME);
    expect(settled).toEqual({ key: 'k', body: 'hello', status: 'sent', version: 3, reactions: base.reactions });
  });

  it("a server copy keeps a local reply's key to its original", () => {
    const copy = { body: 'r', replyTo: { id: 'm1', senderId: 'u-peer', preview: 'hello' } } as Message;
    expect(contentOfServer(copy, { ...base, replyTo: { key: 'u-peer:c1', id: null, senderId: 'u-peer', preview: 'hello' } }).replyTo).toEqual({ key: 'u-peer:c1', id: 'm1', senderId: 'u-peer', preview: 'hello' });
    expect(contentOfServer(copy, { ...base, replyTo: { key: 'u-peer:c9', id: 'm9', senderId: 'u-peer', preview: '' } }).replyTo).toEqual(copy.replyTo);
  });
});
