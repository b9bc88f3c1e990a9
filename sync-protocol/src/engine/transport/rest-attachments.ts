/**
 * Uploads and downloads over fetch (docs/api.md, "Attachments"), beside rest.ts's JSON calls.
 *
 *   POST /api/attachments?clientId&name&sha256[&preview]   Content-Range: bytes S-E/T, body: the slice
 *     200/201 { attachment } → done · 202 { upload } → { offset } · 409 { error, upload } → { offset }
 *   POST … with Content-Range: bytes * /T (no space) and no body: where the upload stands
 *   GET /api/attachments/:id[/thumbnail] → the bytes
 *
 * Every chunk carries a Content-Range, the first one too, so a cut request always leaves a
 * resumable upload behind. Errors as in rest.ts: the server's code, or a network error
 * (retried) when no answer came, or the body was cut.
 */
import { errorBodySchema, PigeonError } from '../../errors.ts';
import { formatContentRange, uploadDoneResponseSchema, uploadPartialResponseSchema } from '../../model/attachment.ts';
import { fetchOrNetworkError, refusalOf, whyUnanswered } from './http-errors.ts';
import { idleBound, readBlob } from './idle-bound.ts';
import { networkError, type UploadAnswer, type UploadRequest } from './transport.ts';

export interface AttachmentClientOptions {
  baseUrl: string;
  fetch: typeof fetch;
  getToken: () => string | null;
  /**
   * A download (a file, a thumbnail, an avatar) that receives nothing for this long (ms), its
   * answer's headers or the next bytes, is aborted as a network failure (idle-bound.ts); however
   * long it takes while bytes come. Absent: no bound. Uploads carry their own (up/uploads.ts).
   */
  idleMs?: number;
}

export class AttachmentClient {
  constructor(private readonly options: AttachmentClientOptions) {}

  async upload(request: UploadRequest): Promise<UploadAnswer> {
    const { query, type, size, chunk, signal } = request;
    const params = new URLSearchParams({ clientId: query.clientId, name: query.name });
    if (query.sha256) params.set('sha256', query.sha256);
    if (query.preview) params.set('preview', query.preview);
    const range = chunk ? { start: chunk.start, end: chunk.start + chunk.blob.size - 1, size } : { start: null, end: null, size };
    const headers = { ...this.auth(), 'content-type': type, 'content-range': formatContentRange(range), accept: 'application/json' };
    const response = await this.fetch(`/api/attachments?${params}`, { method: 'POST', headers, ...(chunk ? { body: chunk.blob } : {}), ...(signal ? { signal } : {}) });
    const json = await readJson(response);
    if (response.status === 200 || response.status === 201) {
      const done = uploadDoneResponseSchema.safeParse(json);
      if (done.success) return { done: true, attachment: done.data.attachment, created: response.status === 201 };
    }
    // 202: where it stands; 409 CONFLICT: the chunk did not start where the server is, and says where that is.
    if (response.status === 202 || response.status === 409) {
      const partial = uploadPartialResponseSchema.safeParse(json);
      if (partial.success) return { done: false, offset: partial.data.upload.offset };
    }
    throw refusal(response, json, 'POST /api/attachments');
  }

  async download(id: string, options: { thumbnail?: boolean; signal?: AbortSignal } = {}): Promise<Blob> {
    const path = `/api/attachments/${encodeURIComponent(id)}${options.thumbnail ? '/thumbnail' : ''}`;
    return (await this.getBlob(path, 'GET /api/attachments/:id', options.signal))!;
  }

  /** `GET /api/users/:id/avatar` (rest/profile.ts): the photo's WebP, or null when the user has none (404). */
  avatar(userId: string): Promise<Blob | null> {
    return this.getBlob(`/api/users/${encodeURIComponent(userId)}/avatar`, 'GET /api/users/:id/avatar', undefined, 404);
  }

  /** The bytes at `path`; null for the `absent` status. A body cut or gone silent is a network failure, retried like one. */
  private async getBlob(path: string, what: string, outer?: AbortSignal, absent?: number): Promise<Blob | null> {
    const bound = this.options.idleMs !== undefined ? idleBound(this.options.idleMs, outer) : null;
    const signal = bound?.signal ?? outer;
    try {
      const response = await this.fetch(path, { method: 'GET', headers: this.auth(), ...(signal ? { signal } : {}) });
      bound?.touch();
      if (absent !== undefined && response.status === absent) return null;
      if (!response.ok) throw refusal(response, await readJson(response), what);
      try {
        return bound ? await readBlob(response, bound) : await response.blob();
      } catch (e) {
        throw networkError(whyUnanswered(e));
      }
    } finally {
      bound?.done();
    }
  }

  private auth(): Record<string, string> {
    const token = this.options.getToken();
    if (!token) throw new PigeonError('UNAUTHENTICATED', 'not signed in');
    return { authorization: `Bearer ${token}` };
  }

  private fetch(path: string, init: RequestInit): Promise<Response> {
    return fetchOrNetworkError(this.options.fetch, `${this.options.baseUrl}${path}`, init);
  }
}

/** The JSON body, or undefined when there is none or it cannot be read. */
async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** A refusal as a PigeonError (http-errors.ts); a 2xx that made no sense (no error body either) is INTERNAL. */
function refusal(response: Response, json: unknown, what: string): PigeonError {
  if (response.ok && !errorBodySchema.safeParse(json).success) return new PigeonError('INTERNAL', `unexpected response from ${what}`, { status: response.status });
  return refusalOf(response, json);
}
