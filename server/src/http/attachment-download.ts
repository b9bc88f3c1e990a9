/**
 * The response of `GET /api/attachments/:id` (and its thumbnail): the bytes streamed from the
 * BlobStore with headers that keep any uploaded file from running on Pigeon's origin
 * (docs/api.md, "Attachments"):
 *   X-Content-Type-Options: nosniff            the browser keeps the stored type, never sniffs HTML
 *   Content-Security-Policy: sandbox; default-src 'none'   opened directly, it is a sandboxed, script-less document
 *   Content-Disposition: inline (raster images) | attachment (everything else); filename*=UTF-8''…
 *   ETag "<sha256>", If-None-Match → 304; Cache-Control: private, max-age=31536000, immutable
 *   Accept-Ranges: bytes; Range → 206 + Content-Range, 416 when unsatisfiable
 */
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { isInlineImage, PigeonError } from '@pigeon/sync-protocol';
import { thumbnailBlobId } from '../attachments/blob-store.ts';
import type { AttachmentService } from '../attachments/attachment-service.ts';
import { contentDisposition } from '../attachments/content-disposition.ts';
import { etagOf, matchesEtag, parseRange } from '../attachments/range.ts';
import type { AttachmentRecord } from '../store/store.ts';

export const ATTACHMENT_CSP = "sandbox; default-src 'none'";

interface Served {
  blobId: string;
  size: number;
  mime: string;
  etag: string;
  disposition: string;
}

export function serveAttachment(c: Context, service: AttachmentService, record: AttachmentRecord): Promise<Response> {
  const inline = isInlineImage(record.mime);
  return serve(c, service, {
    blobId: record.id,
    size: record.size,
    mime: record.mime,
    etag: etagOf(record.sha256),
    disposition: contentDisposition(inline ? 'inline' : 'attachment', record.name),
  });
}

export async function serveThumbnail(c: Context, service: AttachmentService, record: AttachmentRecord): Promise<Response> {
  const blobId = thumbnailBlobId(record.id);
  const size = isInlineImage(record.mime) ? await service.blobs.size(blobId) : null;
  if (size === null) throw new PigeonError('NOT_FOUND', 'no thumbnail for this attachment');
  const name = `${record.name.replace(/\.[^.]*$/, '')}.webp`;
  return serve(c, service, { blobId, size, mime: 'image/webp', etag: `"${record.sha256}-t"`, disposition: contentDisposition('inline', name) });
}

/**
 * A profile photo (`GET /api/users/:id/avatar`, #19 item 12): its attachment's WebP thumbnail,
 * with the same safety headers. The ETag is the avatar (attachment) id, which changes with the
 * photo, so a cached copy is immutable.
 */
export async function serveAvatar(c: Context, service: AttachmentService, avatarId: string): Promise<Response> {
  const blobId = thumbnailBlobId(avatarId);
  const size = await service.blobs.size(blobId);
  if (size === null) throw new PigeonError('NOT_FOUND', 'no photo for this user');
  return serve(c, service, { blobId, size, mime: 'image/webp', etag: `"${avatarId}"`, disposition: contentDisposition('inline', 'avatar.webp') });
}

async function serve(c: Context, service: AttachmentService, f: Served): Promise<Response> {
  const headers = new Headers({
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': ATTACHMENT_CSP,
    'Content-Disposition': f.disposition,
    ETag: f.etag,
    'Cache-Control': 'private, max-age=31536000, immutable',
    'Accept-Ranges': 'bytes',
  });
  if (matchesEtag(c.req.header('if-none-match'), f.etag)) return new Response(null, { status: 304, headers });
  // If-Range with another validator: the client's partial copy is of other bytes, so send it all.
  const ifRange = c.req.header('if-range');
  const decision = ifRange !== undefined && ifRange !== f.etag ? { kind: 'full' as const } : parseRange(c.req.header('range'), f.size);
  if (decision.kind === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${f.size}`);
    headers.set('Content-Type', 'application/json');
    const body = JSON.stringify(new PigeonError('VALIDATION', 'Range: not satisfiable').toBody());
    return new Response(c.req.method === 'HEAD' ? null : body, { status: 416, headers });
  }
  const [start, end] = decision.kind === 'partial' ? [decision.start, decision.end] : [0, f.size - 1];
  headers.set('Content-Type', f.mime);
  headers.set('Content-Length', String(end - start + 1));
  if (decision.kind === 'partial') headers.set('Content-Range', `bytes ${start}-${end}/${f.size}`);
  const status = decision.kind === 'partial' ? 206 : 200;
  // HEAD: no stream opened (a GridFS download stream would be left open otherwise).
  if (c.req.method === 'HEAD') return new Response(null, { status, headers });
  const stream = await service.blobs.read(f.blobId, { start, end });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status, headers });
}
