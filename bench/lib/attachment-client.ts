/**
 * The HTTP side of the attachments figure, the same client for Pigeon and the bare file server:
 * uploads of a buffer (one request, or `Content-Range` chunks one after another, sized as the
 * engine's drainer sizes them), downloads read to the end without keeping the bytes. Each call
 * answers its wall time; a wrong status or a short body is an error (the figure fails, loudly).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ADAPTIVE_CHUNKS, chunkEnd, firstChunkBytes, fixedChunks, nextChunkBytes, type LinkMemory } from '../../sync-protocol/src/engine/up/chunk-size.ts';

export interface Timed<T> {
  ms: number;
  result: T;
}

export interface StoredAttachment {
  id: string;
  size: number;
  sha256: string;
  mime: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function fail(what: string, res: Response): Promise<never> {
  throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
}

/** The query of POST /api/attachments (model/attachment.ts uploadQuerySchema). */
function uploadUrl(base: string, name: string, hash: string): string {
  const clientId = `bench-${randomUUID()}`;
  return `${base}/api/attachments?${new URLSearchParams({ clientId, name, sha256: hash })}`;
}

/** Pigeon, one request: the body is the whole file (201 { attachment }). */
export async function pigeonUploadWhole(base: string, token: string, bytes: Uint8Array, name: string): Promise<Timed<StoredAttachment>> {
  const url = uploadUrl(base, name, sha256(bytes));
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit });
  if (res.status !== 201) await fail('upload (one request)', res);
  const { attachment } = (await res.json()) as { attachment: StoredAttachment };
  const ms = performance.now() - started;
  if (attachment.size !== bytes.length) throw new Error(`upload (one request): stored ${attachment.size} bytes of ${bytes.length}`);
  return { ms, result: attachment };
}

/**
 * Pigeon, resumable: `Content-Range: bytes S-E/T` chunks, each sent once the previous one was
 * answered (202 { upload: { offset } }), the last one answered 201 { attachment }. Sized as the
 * engine sizes them (its own planner, up/chunk-size.ts: adaptive when `chunkBytes` is 0, else
 * fixed), the first as `link` says the previous upload left it (as the engine's uploads.ts does;
 * a fresh `{ memory: null }` is the first file of a session). The sha256 is computed before the
 * clock starts (the engine computes it when the file is picked).
 */
export async function pigeonUploadChunked(
  base: string,
  token: string,
  bytes: Uint8Array,
  name: string,
  chunkBytes: number,
  link: { memory: LinkMemory | null } = { memory: null },
): Promise<Timed<StoredAttachment>> {
  const url = uploadUrl(base, name, sha256(bytes));
  const total = bytes.length;
  const plan = chunkBytes === 0 ? ADAPTIVE_CHUNKS : fixedChunks(chunkBytes);
  let size = firstChunkBytes(plan, link.memory, Date.now());
  const started = performance.now();
  for (let start = 0; start < total; ) {
    const end = chunkEnd(plan, start, size, total) - 1;
    const sentAt = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${total}` },
      body: bytes.subarray(start, end + 1) as unknown as BodyInit,
    });
    if (end + 1 - start >= size) {
      size = nextChunkBytes(plan, end + 1 - start, performance.now() - sentAt);
      link.memory = { bytes: size, at: Date.now() };
    }
    if (end + 1 < total) {
      if (res.status !== 202) await fail(`chunk ${start}-${end}`, res);
      const { upload } = (await res.json()) as { upload: { offset: number } };
      if (upload.offset !== end + 1) throw new Error(`chunk ${start}-${end}: server at offset ${upload.offset}`);
      start = end + 1;
      continue;
    }
    if (res.status !== 201) await fail(`last chunk ${start}-${end}`, res);
    const { attachment } = (await res.json()) as { attachment: StoredAttachment };
    const ms = performance.now() - started;
    if (attachment.size !== total) throw new Error(`upload (chunked): stored ${attachment.size} bytes of ${total}`);
    return { ms, result: attachment };
  }
  throw new Error('upload (chunked): empty file');
}

/** The baseline: a raw fetch POST of the same bytes to the bare file server. */
export async function rawUpload(base: string, bytes: Uint8Array, name: string): Promise<Timed<number>> {
  const started = performance.now();
  const res = await fetch(`${base}/files/${name}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit });
  if (res.status !== 201) await fail('raw upload', res);
  const { size } = (await res.json()) as { size: number };
  const ms = performance.now() - started;
  if (size !== bytes.length) throw new Error(`raw upload: stored ${size} bytes of ${bytes.length}`);
  return { ms, result: size };
}

/** GET to the last byte, counting (not keeping) the bytes; `expect` bytes or an error. */
export async function download(url: string, expect: number, token?: string): Promise<Timed<number>> {
  const started = performance.now();
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200 || !res.body) await fail(`GET ${url}`, res);
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.byteLength;
  const ms = performance.now() - started;
  if (n !== expect) throw new Error(`GET ${url}: ${n} bytes of ${expect}`);
  return { ms, result: n };
}
