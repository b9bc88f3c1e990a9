/** Uploads and downloads of attachments over real HTTP (fetch, and node:http where a connection must be cut). */
import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import sharp from 'sharp';
import type { Attachment } from '@pigeon/sync-protocol';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export interface UploadOptions {
  clientId?: string;
  name?: string;
  type?: string;
  sha256?: string;
  preview?: string;
  /** Content-Range: [start, end, size], or [null, size] for a status query. */
  range?: [number, number, number] | [null, number];
}

export interface UploadResult {
  status: number;
  body: { attachment?: Attachment; upload?: { offset: number; size: number }; error?: { code: string; message: string } };
  headers: Headers;
}

export function uploadPath(o: { clientId: string; name: string; sha256?: string; preview?: string }): string {
  const q = new URLSearchParams({ clientId: o.clientId, name: o.name });
  if (o.sha256) q.set('sha256', o.sha256);
  if (o.preview) q.set('preview', o.preview);
  return `/api/attachments?${q}`;
}

export async function upload(url: string, token: string, bytes: Buffer, o: UploadOptions = {}): Promise<UploadResult> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': o.type ?? 'application/octet-stream' };
  if (o.range) headers['content-range'] = o.range[0] === null ? `bytes */${o.range[1]}` : `bytes ${o.range[0]}-${o.range[1]}/${o.range[2]}`;
  const path = uploadPath({ clientId: o.clientId ?? randomUUID(), name: o.name ?? 'file.bin', sha256: o.sha256, preview: o.preview });
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: new Uint8Array(bytes) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

/** Uploads and returns the stored attachment (fails the test otherwise). */
export async function uploaded(url: string, token: string, bytes: Buffer, o: UploadOptions = {}): Promise<Attachment> {
  const res = await upload(url, token, bytes, o);
  if (res.status !== 201 || !res.body.attachment) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.attachment;
}

export interface Download {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

export async function download(url: string, token: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Download> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

export const errorCode = (d: Download): string | undefined => (d.bytes.length ? (JSON.parse(d.bytes.toString()) as { error?: { code: string } }).error?.code : undefined);

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A POST with node:http that writes `sent` bytes of a body announced with `headers` (its
 * Content-Length may be larger), then either ends, or (cut) destroys the socket after `cutAfterMs`.
 * Resolves with the answer, or null when the connection was cut before one came.
 */
export function rawPost(url: string, path: string, headers: Record<string, string>, sent: Buffer, cut: { afterMs: number } | null): Promise<RawAnswer | null> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', () => resolve(null));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (cut ? resolve(null) : reject(err)));
    req.write(sent);
    if (!cut) {
      req.end();
      return;
    }
    setTimeout(() => {
      req.destroy();
      resolve(null);
    }, cut.afterMs);
  });
}

/** A solid-colour-ish PNG of `width`×`height` (a gradient, so the ThumbHash is not flat). */
export async function pngOf(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) raw.set([(i % width) * 4, Math.floor(i / width) * 4, 90], i * 3);
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A JPEG stored landscape with EXIF orientation 6 (shown rotated: portrait). */
export async function rotatedJpegOf(width: number, height: number): Promise<Buffer> {
  return sharp(await pngOf(width, height)).jpeg().withMetadata({ orientation: 6 }).toBuffer();
}
