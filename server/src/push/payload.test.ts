import { describe, expect, it } from 'vitest';
import { LIMITS, pushPayloadSchema, type Message } from '@pigeon/sync-protocol';
import { buildPushPayload, cutCodePoints } from './payload.ts';

const attachment = (mime: string, i: number) => ({ id: `att${i}`, name: `f${i}`, mime, size: 10, sha256: '0'.repeat(64) });

function message(over: Partial<Message> = {}): Message {
  return { id: 'm1', clientId: 'c1c1c1c1', conversationId: 'a_b', senderId: 'a', recipientId: 'b', body: 'hello there', seq: 3, createdAt: '2026-12-01T00:00:00.000Z', status: 'sent', ...over };
}

describe('buildPushPayload', () => {
  it('carries who wrote where, the text, no attachments; valid per the shared schema', () => {
    const p = buildPushPayload(message(), { id: 'a', displayName: 'Alice' }, null, true);
    expect(p).toEqual({ v: 1, kind: 'message', conversationId: 'a_b', messageId: 'm1', seq: 3, sentAt: '2026-12-01T00:00:00.000Z', sender: { id: 'a', displayName: 'Alice' }, groupTitle: null, text: 'hello there', photos: 0, files: 0 });
    expect(pushPayloadSchema.parse(p)).toEqual(p);
  });

  it('preview off: no text, still the counts and the group title', () => {
    const m = message({ conversationId: 'g:1', attachments: [attachment('image/png', 1), attachment('application/pdf', 2)] });
    expect(buildPushPayload(m, { id: 'a', displayName: 'Alice' }, 'Team', false)).toMatchObject({ groupTitle: 'Team', text: null, photos: 1, files: 1 });
  });

  it('photos are inline raster images only; an SVG or a video is a file; a caption-less photo has no text', () => {
    const m = message({ body: '', attachments: ['image/jpeg', 'image/webp', 'image/svg+xml', 'video/mp4'].map(attachment) });
    expect(buildPushPayload(m, { id: 'a', displayName: 'A' }, null, true)).toMatchObject({ text: null, photos: 2, files: 2 });
  });

  it('cuts the text to pushPreviewMaxChars code points, never inside a surrogate pair', () => {
    const long = '😀'.repeat(LIMITS.pushPreviewMaxChars + 5);
    const text = buildPushPayload(message({ body: long }), { id: 'a', displayName: 'A' }, null, true).text!;
    expect([...text]).toHaveLength(LIMITS.pushPreviewMaxChars);
    expect(text).toBe('😀'.repeat(LIMITS.pushPreviewMaxChars));
    expect(cutCodePoints('abc', 5)).toBe('abc');
  });
});
