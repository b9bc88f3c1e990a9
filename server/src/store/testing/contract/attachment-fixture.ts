import { randomBytes } from 'node:crypto';
import type { Attachment, Message } from '@pigeon/sync-protocol';
import { expect } from 'vitest';
import type { AttachmentRecord, NewAttachment, SendOutcome, SendRequest, UserRecord } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';

/** Helpers of the attachment topics (attachments*.ts), on top of the common fixture. */
export interface AttachmentFixture {
  /** A finished upload of `uploader` as the upload route would record it (not yet stored). */
  upload(uploader: UserRecord, options?: Partial<NewAttachment>): NewAttachment;
  /** Records an upload that must be new. */
  created(uploader: UserRecord, options?: Partial<NewAttachment>): Promise<AttachmentRecord>;
  /** A request carrying `ids`. */
  withFiles(request: SendRequest, ids: readonly string[]): SendRequest;
  /** One send alone in its batch. */
  sendOne(request: SendRequest): Promise<SendOutcome>;
  /** The public fields a message embeds of a record. */
  publicOf(record: AttachmentRecord | NewAttachment): Attachment;
  /** The holder a record must have once `message` carries it. */
  holderOf(message: Message): AttachmentRecord['holder'];
  /** Asserts a send was refused with VALIDATION. */
  expectInvalid(outcome: SendOutcome | undefined): void;
  /** An ISO time `ms` from now (negative: in the past). */
  fromNow(ms: number): string;
}

export function createAttachmentFixture(fx: ContractFixture): AttachmentFixture {
  let counter = 0;
  const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

  const upload: AttachmentFixture['upload'] = (uploader, options = {}) => {
    const n = ++counter;
    return {
      id: `att${n}_${randomBytes(9).toString('base64url')}`,
      uploaderId: uploader.id,
      clientId: `up-${n}-${randomBytes(4).toString('hex')}`,
      name: `photo ${n}.png`,
      mime: 'image/png',
      size: 1000 + n,
      sha256: randomBytes(32).toString('hex'),
      width: 640,
      height: 480,
      preview: 'YJqGPQw7sFlslqhFafSE',
      createdAt: fromNow(0),
      ...options,
    };
  };

  const publicOf: AttachmentFixture['publicOf'] = (r) => {
    const out: Attachment = { id: r.id, name: r.name, mime: r.mime, size: r.size, sha256: r.sha256 };
    if (r.width !== undefined) out.width = r.width;
    if (r.height !== undefined) out.height = r.height;
    if (r.preview !== undefined) out.preview = r.preview;
    return out;
  };

  return {
    upload,
    async created(uploader, options) {
      const { attachment, created } = await fx.store.createAttachment(upload(uploader, options));
      expect(created).toBe(true);
      return attachment;
    },
    withFiles: (request, ids) => ({ ...request, attachmentIds: ids }),
    async sendOne(request) {
      const outcomes = await fx.store.sendMessages([request]);
      expect(outcomes).toHaveLength(1);
      return outcomes[0]!;
    },
    publicOf,
    holderOf: (m) => ({ messageId: m.id, conversationId: m.conversationId, seq: m.seq }),
    expectInvalid(outcome) {
      expect(outcome, 'an outcome').toBeDefined();
      expect(outcome!.refused?.code, 'expected a VALIDATION refusal').toBe('VALIDATION');
      expect(outcome!.message).toBeUndefined();
    },
    fromNow,
  };
}
