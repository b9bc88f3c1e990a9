/**
 * The engine's `describeImage` option (SyncEngineOptions): width, height and a ThumbHash of a
 * picked image, so the pending bubble is laid out and a placeholder travels with the message.
 * The work happens in a module worker created on first use; without Worker/OffscreenCanvas it
 * runs on the main thread (its code loaded on demand). null for non-images and for images this
 * browser cannot decode (HEIC in Chromium): the server then makes the preview itself.
 */
import type { DescribeAnswer, DescribeRequest } from './worker.ts';

type Description = DescribeAnswer['result'];

/** Never hold a send back for long: a stuck decode answers null (the server describes it instead). */
const TIMEOUT_MS = 8_000;
/** Types no browser here decodes or the server would refuse: not worth a decode attempt. */
const SKIP = /^image\/(heic|heif|svg\+xml)$/;

let worker: Worker | null = null;
/** The worker failed to start once: the main thread does the work from then on. */
let disabled = false;
let nextId = 1;
const waiting = new Map<number, (result: Description) => void>();

function startWorker(): Worker | null {
  if (worker) return worker;
  if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') return null;
  try {
    worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return null;
  }
  worker.onmessage = (event: MessageEvent<DescribeAnswer>) => {
    waiting.get(event.data.id)?.(event.data.result);
    waiting.delete(event.data.id);
  };
  worker.onerror = () => {
    // A worker that failed to start answers nothing: release everyone, use the main thread next time.
    for (const resolve of waiting.values()) resolve(null);
    waiting.clear();
    worker?.terminate();
    worker = null;
    disabled = true;
  };
  return worker;
}

function inWorker(w: Worker, blob: Blob): Promise<Description> {
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve(null);
    }, TIMEOUT_MS);
    waiting.set(id, (result) => {
      clearTimeout(timer);
      resolve(result);
    });
    w.postMessage({ id, blob } satisfies DescribeRequest);
  });
}

export async function describeImage(blob: Blob): Promise<Description> {
  // An empty type is tried (some pickers give none); any other non-image type is not.
  if ((blob.type && !blob.type.startsWith('image/')) || SKIP.test(blob.type)) return null;
  const w = disabled ? null : startWorker();
  if (w) return inWorker(w, blob);
  const { describeImageBlob } = await import('./describe.ts');
  return describeImageBlob(blob);
}
