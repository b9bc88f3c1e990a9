/**
 * The files a chaos run sends (plan-attachments.ts): their bytes are made from the plan's spec
 * (kind, size, seed) when the op runs, so a seed names them without the plan holding any bytes.
 * Cheap on purpose (a run sends a few MiB at most):
 *  - `png`: a real PNG of w × h random pixels (RGB, deflate from node:zlib, CRC-32 here), so the
 *    server's image path runs (magic bytes, sharp metadata, ThumbHash, thumbnail);
 *  - `bin`: a fixed non-magic prefix then random bytes (application/octet-stream: no file-type
 *    signature can match by chance);
 *  - `text`: UTF-8 lines (sent as text/plain).
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface FileSpec {
  name: string;
  kind: 'png' | 'bin' | 'text';
  /** png: the side in pixels (w = size, h = size * 3 / 4 rounded up); bin, text: bytes. */
  size: number;
  seed: number;
}

export interface MadeFile {
  bytes: Uint8Array;
  /** The Blob's type, as a browser's File would have it. */
  type: string;
  sha256: string;
}

/** xorshift32 filling; fast and enough for incompressible test bytes. */
function randomFill(out: Uint8Array, seed: number): void {
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    if (i + 1 < out.length) out[i + 1] = (x >>> 8) & 0xff;
    if (i + 2 < out.length) out[i + 2] = (x >>> 16) & 0xff;
    if (i + 3 < out.length) out[i + 3] = (x >>> 24) & 0xff;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid PNG, RGB 8-bit, of random pixels. */
export function makePng(width: number, height: number, seed: number): Uint8Array {
  const row = width * 3 + 1;
  const raw = new Uint8Array(row * height);
  randomFill(raw, seed);
  for (let y = 0; y < height; y++) raw[y * row] = 0; // filter type None
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 1 })), pngChunk('IEND', new Uint8Array(0))]);
}

const BIN_PREFIX = Buffer.from('pigeon-chaos-bin\n\0', 'latin1');
const WORDS = ['pigeon', 'Grüße', 'ça va', '明天见', 'chaos', 'upload', 'resume', '🕊️'];

export const pngSize = (side: number) => ({ width: side, height: Math.ceil((side * 3) / 4) });

export function makeFile(spec: FileSpec): MadeFile {
  let bytes: Uint8Array;
  let type: string;
  if (spec.kind === 'png') {
    const { width, height } = pngSize(spec.size);
    bytes = makePng(width, height, spec.seed);
    type = 'image/png';
  } else if (spec.kind === 'bin') {
    bytes = new Uint8Array(Math.max(spec.size, BIN_PREFIX.length + 1));
    randomFill(bytes, spec.seed);
    bytes.set(BIN_PREFIX, 0);
    type = 'application/octet-stream';
  } else {
    const lines: string[] = [];
    let n = 0;
    let x = spec.seed >>> 0;
    while (n < spec.size) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const line = `${n} ${WORDS[x % WORDS.length]}\n`;
      lines.push(line);
      n += Buffer.byteLength(line);
    }
    bytes = Buffer.from(lines.join(''));
    type = 'text/plain';
  }
  return { bytes, type, sha256: sha256Hex(bytes) };
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
