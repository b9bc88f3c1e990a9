import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';

/**
 * The API's JSON answers gzip- or deflate-encoded when the client accepts it (Hono's maintained
 * compress middleware, the platform's CompressionStream). A catch-up page of 1,000 messages is
 * about 0.45 MB of JSON, mostly ids repeated from message to message: on a phone's slow network the
 * transfer, not the server, is what the user waits for (issue #20; the static files are served
 * precompressed by static.ts instead).
 *
 * Only JSON, and never the attachment routes: a download keeps its bytes, Content-Length and Range
 * answers as stored (files other than images are served as application/octet-stream today, which
 * the filter would pass over anyway; leaving the routes out keeps it so whatever types they serve).
 * Small answers are encoded too: Hono's JSON responses carry no Content-Length to judge them by,
 * and gzip costs them a few bytes.
 */
const encode = compress({ contentTypeFilter: /^application\/json\b/ });

/**
 * GETs only: the large answers are reads (sync and history pages, lists, search), while a write's
 * answer is a small ack, and a compression stream for each (zlib's buffers, per response) would
 * only cost a busy sender's node.
 */
export const compressJson = (): MiddlewareHandler => (c, next) => (c.req.method !== 'GET' || c.req.path.startsWith('/api/attachments') ? next() : encode(c, next));
