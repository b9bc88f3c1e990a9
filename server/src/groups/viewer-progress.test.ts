import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import { withViewerProgress } from './viewer-progress.ts';

const msg = (seq: number, senderId: string, conversationId = 'g:1', status: Message['status'] = 'sent'): Message => ({
  id: `m${seq}${conversationId}`, clientId: `c${seq}`, conversationId, senderId, recipientId: conversationId, body: 'x', seq, createdAt: '', status,
});

describe('withViewerProgress', () => {
  it("raises others' group messages to the viewer's own progress; the viewer's own messages and 1:1 ones keep theirs", async () => {
    const asked: string[] = [];
    const store = {
      positionsOf: async (id: string, user: string) => {
        asked.push(`${id} ${user}`);
        return id === 'g:1' ? { deliveredSeq: 4, readSeq: 2 } : null;
      },
    };
    const out = await withViewerProgress(store, 'me', [
      msg(1, 'a'),
      msg(2, 'a', 'g:1', 'delivered'),
      msg(3, 'me'),
      msg(4, 'b'),
      msg(5, 'b'),
      msg(1, 'a', 'dm:a:me'),
      msg(1, 'a', 'g:2'),
      msg(3, 'b', 'g:1', 'read'),
    ]);
    expect(out.map((m) => `${m.conversationId}#${m.seq}:${m.status}`)).toEqual([
      'g:1#1:read', 'g:1#2:read', 'g:1#3:sent', 'g:1#4:delivered', 'g:1#5:sent', 'dm:a:me#1:sent', 'g:2#1:sent', 'g:1#3:read',
    ]);
    expect(asked.sort()).toEqual(['g:1 me', 'g:2 me']);
  });
});
