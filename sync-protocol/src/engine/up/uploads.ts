/**
 * Uploads a message's files before the drainer sends it (docs/sync-protocol.md, "Attachments").
 *
 *   files row ──┬─ attachment known ─────────────────────────────────────────────▶ its id
 *               ├─ started: status query (`bytes * /size`) ─▶ done? ─ yes ─▶ its id
 *               │                                             └ no: offset ─┐
 *               └─ never started: mark started, offset 0 ───────────────────┴─▶ chunks sized
 *                  by `chunks` (chunk-size.ts; the first as the last upload left it) from the offset (202: next offset; 409: the server's offset) ─▶ 201: its id
 *
 * A file is marked `started` before its first byte leaves, so after a cut, a reload or a crash the
 * next attempt asks the server where it stands and continues from there: bytes are never sent
 * twice on purpose, and the server holds one attachment per (uploader, upload clientId) whatever
 * happens (with the sha256 it checks). Progress goes into the message row's `uploaded`, at most
 * every `progressEveryMs`. A network failure propagates (the drainer retries the entry with
 * backoff, keeping its place in the lane); a permanent refusal comes back with the file's name.
 */
import { PERMANENT_SEND_ERRORS, PigeonError } from '../../errors.ts';
import type { Attachment } from '../../model/message-parts.ts';
import type { FileRow, LocalDb, OutboxEntry } from '../local/local-db.ts';
import type { UploadAnswer, UploadRequest } from '../transport/transport.ts';
import { chunkEnd, firstChunkBytes, nextChunkBytes, type ChunkPlan, type LinkMemory } from './chunk-size.ts';
import { localAttachmentId } from './files.ts';
import { messageTables } from '../local/message-store.ts';

export interface UploadDeps {
  db: LocalDb;
  upload(request: UploadRequest): Promise<UploadAnswer>;
  /** How many bytes each request carries (chunk-size.ts: adaptive, or fixed). */
  chunks: ChunkPlan;
  /** Shared by the engine's uploads: where the last one left the chunk size (chunk-size.ts). */
  link?: { memory: LinkMemory | null };
  /** Still worth going on (leading, signed in as the entry's owner, network allowed); checked before every request. */
  proceed(): boolean;
  /** Minimum gap between two progress writes (ms). Default 250. */
  progressEveryMs?: number;
  /** A request with no answer after this long is abandoned as a network failure (ms). Default 120,000. */
  requestTimeoutMs?: number;
}

/** The upload stopped because `proceed()` turned false: the entry stays queued as it is. */
export class UploadStopped extends Error {
  override readonly name = 'UploadStopped';
}

/** Chunks in a row the server did not move forward on before the attempt counts as failed (and backs off). */
const MAX_STALLS = 3;

/** The server ids of the entry's files, in order, uploading those not uploaded yet. */
export async function uploadFiles(deps: UploadDeps, entry: OutboxEntry): Promise<string[]> {
  const ids: string[] = [];
  for (const clientId of entry.uploads ?? []) {
    const row = await deps.db.files.get(clientId);
    if (!row) throw new PigeonError('NOT_FOUND', 'a file of this message is no longer on this device');
    ids.push(row.attachment ? row.attachment.id : (await uploadOne(deps, row)).id);
  }
  return ids;
}

async function uploadOne(deps: UploadDeps, row: FileRow): Promise<Attachment> {
  const progress = throttledProgress(deps, row);
  const request = (chunk: UploadRequest['chunk']): Promise<UploadAnswer> => {
    if (!deps.proceed()) throw new UploadStopped();
    const query = { clientId: row.clientId, name: row.name, ...(row.sha256 ? { sha256: row.sha256 } : {}), ...(row.preview ? { preview: row.preview } : {}) };
    // A half-open connection would otherwise hold the lane forever: the next attempt asks where it stands.
    const signal = AbortSignal.timeout(deps.requestTimeoutMs ?? 120_000);
    return deps.upload({ query, type: row.type, size: row.size, chunk, signal }).catch((e: unknown) => {
      // A refusal for good names the file: the message shows it failed because of this one.
      if (e instanceof PigeonError && PERMANENT_SEND_ERRORS.has(e.code)) throw new PigeonError(e.code, `${row.name}: ${e.message}`, e.details);
      throw e;
    });
  };

  let offset = 0;
  if (row.started) {
    const answer = await statusOf(request);
    if (answer.done) return finish(deps, row, answer.attachment);
    offset = answer.offset;
  } else {
    await deps.db.files.update(row.clientId, { started: true });
  }
  let stalls = 0;
  let chunkBytes = firstChunkBytes(deps.chunks, deps.link?.memory ?? null, Date.now());
  for (;;) {
    const end = chunkEnd(deps.chunks, offset, chunkBytes, row.size);
    const startedAt = Date.now();
    const answer = await request({ start: offset, blob: row.blob.slice(offset, end) });
    // Judged on a full chunk only (a short last one says little of the link); the last one, taking
    // its tail with it, still tells the next upload where to start.
    if (end - offset >= chunkBytes) {
      chunkBytes = nextChunkBytes(deps.chunks, end - offset, Date.now() - startedAt);
      if (deps.link) deps.link.memory = { bytes: chunkBytes, at: Date.now() };
    }
    if (answer.done) return finish(deps, row, answer.attachment);
    stalls = answer.offset > offset ? 0 : stalls + 1;
    if (stalls >= MAX_STALLS) throw new PigeonError('INTERNAL', `${row.name}: the upload does not advance (offset ${answer.offset})`);
    offset = Math.min(answer.offset, row.size);
    await progress(offset);
  }
}

/** Where a started upload stands; one the server never heard of (its first chunk was lost) starts at 0. */
async function statusOf(request: (chunk: null) => Promise<UploadAnswer>): Promise<UploadAnswer> {
  try {
    return await request(null);
  } catch (e) {
    if (e instanceof PigeonError && e.code === 'NOT_FOUND') return { done: false, offset: 0 };
    throw e;
  }
}

/** Records the server's attachment on the files row and the full progress on the message, in one transaction. */
async function finish(deps: UploadDeps, row: FileRow, attachment: Attachment): Promise<Attachment> {
  const { db } = deps;
  await db.transaction('rw', [db.files, ...messageTables(db)], async () => {
    await db.files.update(row.clientId, { attachment, attachmentId: attachment.id, started: true });
    await setUploaded(db, row, row.size);
  });
  return attachment;
}

/** The pending message's attachment shows `uploaded` bytes (nothing once the row is acked: the server's copy has replaced it). */
async function setUploaded(db: LocalDb, row: FileRow, uploaded: number): Promise<void> {
  const id = localAttachmentId(row.clientId);
  await db.messages
    .where('key')
    .equals(row.messageKey)
    .modify((m) => {
      if (m.seq !== null || !m.attachments) return;
      m.attachments = m.attachments.map((a) => (a.id === id ? { ...a, uploaded } : a));
    });
}

function throttledProgress(deps: UploadDeps, row: FileRow): (offset: number) => Promise<void> {
  const every = deps.progressEveryMs ?? 250;
  let last = 0;
  return async (offset) => {
    const now = Date.now();
    if (now - last < every) return;
    last = now;
    await setUploaded(deps.db, row, offset);
  };
}
