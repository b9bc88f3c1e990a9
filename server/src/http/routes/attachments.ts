import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { attachmentIdSchema, isPigeonError, parseContentRange, parseOrThrow, PigeonError, uploadQuerySchema } from '@pigeon/sync-protocol';
import { z } from 'zod';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';
import { errorResponse } from '../middleware/errors.ts';
import { serveAttachment, serveThumbnail } from '../attachment-download.ts';

const idParamSchema = z.object({ id: attachmentIdSchema });

/**
 * Attachments (contract v2; the resumable protocol is docs/api.md, "Attachments"):
 *
 *   POST /api/attachments?clientId&name[&sha256][&preview]   body: the file, or a Content-Range chunk
 *     201 { attachment } stored now · 200 { attachment } stored before (same clientId)
 *     202 { upload: { offset, size } } a chunk stored, or a status query (Content-Range: bytes * /size)
 *     409 { error, upload } the chunk does not start at the stored offset
 *   GET|HEAD /api/attachments/:id             the bytes (Range, ETag, immutable caching, inert headers)
 *   GET|HEAD /api/attachments/:id/thumbnail   the server-made WebP thumbnail of a raster image
 *
 * The upload body is streamed from Node's request into the BlobStore, never buffered; the
 * /api body limit does not apply to it (app.ts), ATTACHMENT_MAX_BYTES does (AttachmentService).
 */
export function attachmentRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const query = readQuery(c, uploadQuerySchema);
    const rangeHeader = c.req.header('content-range');
    const contentRange = rangeHeader === undefined ? null : parseContentRange(rangeHeader);
    if (rangeHeader !== undefined && contentRange === null) throw new PigeonError('VALIDATION', 'Content-Range: expected "bytes start-end/size" or "bytes */size"');
    const lengthHeader = c.req.header('content-length');
    if (lengthHeader !== undefined && !/^\d{1,16}$/.test(lengthHeader)) throw new PigeonError('VALIDATION', 'Content-Length: not a number');
    try {
      const answer = await s.attachments.upload(c.var.userId, {
        query,
        declaredType: c.req.header('content-type'),
        contentLength: lengthHeader === undefined ? null : Number(lengthHeader),
        contentRange,
        body: requestBody(c),
      });
      if (answer.status === 202) return c.json({ upload: answer.upload }, 202);
      return c.json({ attachment: answer.attachment }, answer.status);
    } catch (err) {
      // 409: where the upload stands, beside the error, so the client continues from there.
      if (isPigeonError(err) && err.code === 'CONFLICT' && err.details) {
        return c.json({ ...err.toBody(), upload: err.details }, err.status as ContentfulStatusCode);
      }
      if (isPigeonError(err)) return errorResponse(c, err);
      throw err;
    }
  });

  routes.on(['GET', 'HEAD'], '/:id', async (c) => {
    const { id } = parseOrThrow(idParamSchema, c.req.param());
    return serveAttachment(c, s.attachments, await s.attachments.readable(c.var.userId, id));
  });

  routes.on(['GET', 'HEAD'], '/:id/thumbnail', async (c) => {
    const { id } = parseOrThrow(idParamSchema, c.req.param());
    return serveThumbnail(c, s.attachments, await s.attachments.readable(c.var.userId, id));
  });

  return routes;
}

/** The request body as a Node stream: Node's own request when served by @hono/node-server (no copy through web streams). */
function requestBody(c: Context<AppEnv>): Readable {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) return incoming;
  const body = c.req.raw.body;
  return body ? Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
}
