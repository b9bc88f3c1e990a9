/**
 * Files picked for a message, made ready to be written in the send's transaction: checked,
 * hashed and described BEFORE the transaction opens. IndexedDB commits a transaction as soon as
 * it waits on anything but its own requests, so hashing (crypto.subtle) or describing an image
 * (createImageBitmap) inside it would commit it half-way.
 *
 *   send(…, { files }) ─▶ prepareFiles (validate, sha256, describeImage) ─▶ one transaction:
 *     message row (attachments `local:<upload clientId>`, uploaded 0) + outbox entry (uploads) + files rows
 */
import { PigeonError } from '../../errors.ts';
import { LIMITS } from '../../limits.ts';
import { attachmentNameSchema, attachmentPreviewSchema } from '../../model/attachment.ts';
import { cutText } from '../../model/action-rules.ts';
import type { LocalAttachment, OutgoingFile, SyncEngineOptions } from '../api.ts';
import type { FileRow, LocalDb } from '../local/local-db.ts';
import { newClientId } from './outbox.ts';

export type DescribeImage = NonNullable<SyncEngineOptions['describeImage']>;

/** A file checked, hashed and described, not stored yet. */
export type PreparedFile = Omit<FileRow, 'owner' | 'messageKey'>;

const LOCAL_PREFIX = 'local:';

/** The id a pending attachment shows under until the server's copy replaces it. */
export const localAttachmentId = (uploadClientId: string): string => LOCAL_PREFIX + uploadClientId;

/** The upload clientId of a pending attachment's id, or null for a server id. */
export const uploadClientIdOf = (attachmentId: string): string | null => (attachmentId.startsWith(LOCAL_PREFIX) ? attachmentId.slice(LOCAL_PREFIX.length) : null);

const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\]/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * A name the server accepts (model/attachment.ts attachmentNameSchema), made from whatever the
 * browser or the OS called the file: separators and control characters become "_", bidi controls
 * go, at most 255 code points; nothing usable left → "file". A picked file is never refused for its name.
 */
export function safeFileName(name: string): string {
  let s = cutText(name.replace(BIDI, '').replace(UNSAFE, '_').trim(), LIMITS.attachmentNameMaxChars).trim();
  // A cut may leave a lone surrogate only if the input had one: drop those too.
  s = s.replace(/\p{Surrogate}/gu, '');
  return attachmentNameSchema.safeParse(s).success ? s : 'file';
}

/** Checks the files of one message: 1..10 (an empty list is no files), none empty. VALIDATION otherwise. */
export function checkFiles(files: readonly OutgoingFile[]): void {
  if (files.length > LIMITS.attachmentsPerMessageMax) throw new PigeonError('VALIDATION', `files: at most ${LIMITS.attachmentsPerMessageMax} per message`);
  for (const f of files) {
    if (!(f?.blob instanceof Blob)) throw new PigeonError('VALIDATION', 'files: each needs a blob');
    if (f.blob.size === 0) throw new PigeonError('VALIDATION', `${safeFileName(f.name ?? '')}: the file is empty`);
  }
}

/**
 * Lowercase hex SHA-256 of the bytes (crypto.subtle: browsers and Node 20 alike), or '' where
 * there is no crypto.subtle (a page served over plain http from another host than localhost is
 * not a secure context). The upload then goes without its sha256 (the server hashes the bytes
 * itself; clientId alone keeps it idempotent) and the download check is skipped.
 */
export async function sha256Hex(blob: Blob): Promise<string> {
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle;
  if (!subtle) return '';
  const digest = new Uint8Array(await subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What describeImage said, kept only where it is valid (a bad preview would make the server refuse the upload). */
function described(d: Awaited<ReturnType<DescribeImage>> | undefined): Pick<FileRow, 'preview' | 'width' | 'height'> {
  if (!d) return {};
  const dim = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  return {
    ...(d.preview !== undefined && attachmentPreviewSchema.safeParse(d.preview).success ? { preview: d.preview } : {}),
    ...(dim(d.width) && dim(d.height) ? { width: d.width!, height: d.height! } : {}),
  };
}

/** Checks, hashes and describes the files (a failing describeImage only costs the preview). */
export async function prepareFiles(files: readonly OutgoingFile[], describeImage?: DescribeImage): Promise<PreparedFile[]> {
  checkFiles(files);
  return Promise.all(
    files.map(async ({ blob, name }) => {
      const [sha256, description] = await Promise.all([sha256Hex(blob), describeImage ? describeImage(blob).catch(() => null) : Promise.resolve(null)]);
      return { clientId: newClientId(), blob, name: safeFileName(name ?? ''), type: blob.type || 'application/octet-stream', size: blob.size, sha256, ...described(description) };
    }),
  );
}

/** The attachment a pending message shows for a prepared file. */
export function localAttachment(f: PreparedFile): LocalAttachment {
  return {
    id: localAttachmentId(f.clientId),
    name: f.name,
    mime: f.type,
    size: f.size,
    sha256: f.sha256,
    ...(f.width !== undefined ? { width: f.width, height: f.height! } : {}),
    ...(f.preview !== undefined ? { preview: f.preview } : {}),
    uploaded: 0,
  };
}

/** Writes the files rows of a message; inside the transaction that writes the message and its entry. */
export async function storeFiles(db: LocalDb, owner: string, messageKey: string, files: readonly PreparedFile[]): Promise<void> {
  await db.files.bulkAdd(files.map((f) => ({ ...f, owner, messageKey })));
}
