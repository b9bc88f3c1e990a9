import { describe, expect, it } from 'vitest';
import type { Attachment } from '@pigeon/sync-protocol';
import { newMessage, toMessage, type MessageRow } from './rows.ts';

const fields = { id: 'm-1', clientId: 'client-0001', conversationId: 'dm:a:b', senderId: 'a', recipientId: 'b', body: 'hello', seq: 7, createdAt: '2026-12-05T21:00:00.000Z' };
const row = (over: Partial<MessageRow> = {}): MessageRow => ({
  id: 'm-1', client_id: 'client-0001', conversation_id: 'dm:a:b', sender_id: 'a', recipient_id: 'b', body: 'hello', seq: 7,
  created_at: '2026-12-05T21:00:00.000Z', status: 'sent', delivered_at: null, read_at: null, change_pos: 1, type: 'text', system: null,
  reply_to_id: null, reply_to_sender: null, reply_to_preview: null, reactions: '[]', edited_at: null, deleted_at: null, attachments: '[]', version: 0,
  ...over,
});

describe('a message just stored, built without reading its row', () => {
  it('is what a read of its row returns, field for field and in the same order', () => {
    expect(JSON.stringify(newMessage(fields, null))).toBe(JSON.stringify(toMessage(row())));
    const file: Attachment = { id: 'f-1', name: 'a.png', mime: 'image/png', size: 3, sha256: 'ab'.repeat(32) };
    const reply = { id: 'm-0', senderId: 'b', preview: 'earlier' };
    const built = newMessage(fields, reply, [file]);
    const read = toMessage(row({ reply_to_id: 'm-0', reply_to_sender: 'b', reply_to_preview: 'earlier', attachments: JSON.stringify([file]) }));
    expect(JSON.stringify(built)).toBe(JSON.stringify(read));
  });
});
