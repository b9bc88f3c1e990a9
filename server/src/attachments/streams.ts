import type { Readable } from 'node:stream';

/** A stream's bytes as one Buffer, refusing more than `max` (an image about to be decoded: bounded by ATTACHMENT_MAX_BYTES). */
export async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    length += buffer.length;
    if (length > max) {
      stream.destroy();
      throw new Error(`stream longer than ${max} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, length);
}
