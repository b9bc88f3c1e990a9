/**
 * A bound on silence rather than on the total, for file downloads: a photo on a slow link may
 * rightly take minutes, but a connection that sends nothing for `idleMs` (the answer's headers,
 * or the next bytes of its body) has gone silent, and `fetch` would wait on it for good. Aborting
 * it fails the download as a network error, which the caller retries; the media layer's single
 * download per file is then free again (media/media.ts).
 */

export interface IdleBound {
  /** For the request: aborted after `idleMs` without `touch()`, or when the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** Bytes came: the silence starts again from now. */
  touch(): void;
  /** The request is over, whichever way: no timer left behind. */
  done(): void;
}

export function idleBound(idleMs: number, outer?: AbortSignal): IdleBound {
  const controller = new AbortController();
  // The same error AbortSignal.timeout gives, so a silent download reads like a timed-out request (http-errors.ts).
  const fire = () => controller.abort(new DOMException(`nothing received for ${idleMs} ms`, 'TimeoutError'));
  let timer = setTimeout(fire, idleMs);
  const follow = () => controller.abort(outer?.reason);
  if (outer?.aborted) follow();
  else outer?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    touch() {
      clearTimeout(timer);
      if (!controller.signal.aborted) timer = setTimeout(fire, idleMs);
    },
    done() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', follow);
    },
  };
}

/** The body as a Blob of the answer's type, each chunk read restarting the bound's silence. */
export async function readBlob(response: Response, bound: IdleBound): Promise<Blob> {
  const type = response.headers.get('content-type') ?? '';
  if (!response.body) return new Blob([], { type });
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bound.touch();
    parts.push(value);
  }
  return new Blob(parts as BlobPart[], { type });
}
