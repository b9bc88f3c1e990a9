import { isInlineImage, LIMITS, type Message, type PushPayload } from '@pigeon/sync-protocol';

export interface PayloadSender {
  id: string;
  displayName: string;
}

/**
 * What one push carries (pushPayloadSchema): who wrote where, the text when the subscription
 * allows a preview, and how many photos and files. Small on purpose (the service worker shows a
 * notification; the app fetches the message itself when opened), far under a push service's
 * 4 KiB: 200 code points of text, a display name of 64, a title of 100.
 */
export function buildPushPayload(message: Message, sender: PayloadSender, groupTitle: string | null, preview: boolean): PushPayload {
  const attachments = message.attachments ?? [];
  const photos = attachments.filter((a) => isInlineImage(a.mime)).length;
  return {
    v: 1,
    kind: 'message',
    conversationId: message.conversationId,
    messageId: message.id,
    seq: message.seq,
    sentAt: message.createdAt,
    sender: { id: sender.id, displayName: sender.displayName },
    groupTitle,
    text: preview && message.body !== '' ? cutCodePoints(message.body, LIMITS.pushPreviewMaxChars) : null,
    photos,
    files: attachments.length - photos,
  };
}

/** The first `max` code points (never half a surrogate pair). */
export function cutCodePoints(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : points.slice(0, max).join('');
}
