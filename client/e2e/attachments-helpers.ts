/**
 * Helpers of the attachment e2e files (attachments*.test.ts): real files made here (a PNG drawn
 * pixel by pixel with node:zlib, a tiny valid PDF), picking them the three ways a user does (the
 * paperclip's file input, a paste, a drop on the chat) and reading what the browser downloaded.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Download, Locator, Page } from 'playwright-core';
import { bubbles } from './harness.ts';

export const WAIT = { timeout: 20_000, interval: 100 };

export interface TestFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGB PNG of `w` × `h`: a diagonal sunset gradient, so its ThumbHash and thumbnail are not flat. */
export function pngFile(name: string, w: number, h: number): TestFile {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      const t = (x / w + y / h) / 2;
      raw[row + 1 + x * 3] = Math.round(250 - 120 * t);
      raw[row + 2 + x * 3] = Math.round(180 - 150 * t);
      raw[row + 3 + x * 3] = Math.round(60 + 140 * t);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const buffer = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  return { name, mimeType: 'image/png', buffer };
}

/** A one-page PDF (the server sniffs application/pdf from its "%PDF-" magic). */
export function pdfFile(name: string): TestFile {
  const body = `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
  return { name, mimeType: 'application/pdf', buffer: Buffer.from(body, 'latin1') };
}

/** `size` bytes that are no known type (an application/octet-stream file). */
export function binaryFile(name: string, size: number): TestFile {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = (i * 31 + 7) & 0xff;
  return { name, mimeType: 'application/octet-stream', buffer };
}

/** The start of a HEIC file (an ISO-BMFF `ftyp` box of brand heic): sniffed as image/heic, a file to download. */
export function heicFile(name: string): TestFile {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic', 'ascii'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic', 'ascii')]);
  return { name, mimeType: 'image/heic', buffer: Buffer.concat([ftyp, Buffer.alloc(64, 1)]) };
}

/** The paperclip: files set on the composer's (hidden) file input, as the picker would. */
export async function pick(page: Page, files: TestFile[]): Promise<void> {
  await page.getByTestId('composer-file-input').setInputFiles(files);
}

type Wire = { name: string; type: string; base64: string };
const toWire = (files: TestFile[]): Wire[] => files.map((f) => ({ name: f.name, type: f.mimeType, base64: f.buffer.toString('base64') }));

/** A paste into the composer's text field whose clipboard holds these files. */
export async function paste(page: Page, files: TestFile[]): Promise<void> {
  await page.getByTestId('composer-input').evaluate((input, wire: Wire[]) => {
    const data = new DataTransfer();
    for (const f of wire) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, toWire(files));
}

/** Files dragged over the chat pane and dropped on its message list. */
export async function drop(page: Page, files: TestFile[]): Promise<void> {
  await page.getByTestId('message-list').evaluate((list, wire: Wire[]) => {
    const data = new DataTransfer();
    for (const f of wire) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    for (const type of ['dragenter', 'dragover', 'drop']) list.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }, toWire(files));
}

/** The bubble holding an attachment named `name`, or a caption `caption`. */
export function bubbleWithFile(page: Page, name: string): Locator {
  return bubbles(page).filter({ has: page.locator(`[data-testid="attachment-file"][data-name="${name}"]`) });
}

/** Clicks `trigger` and returns what the browser downloaded: its suggested name and its bytes. */
export async function download(page: Page, trigger: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), trigger.click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await pathOf(file)) };
}
async function pathOf(file: Download): Promise<string> {
  const path = await file.path();
  if (!path) throw new Error(`download of ${file.suggestedFilename()} failed: ${await file.failure()}`);
  return path;
}

/** Whether an `<img>` has decoded (naturalWidth > 0). */
export const decoded = (img: Locator) => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0).catch(() => false);

/**
 * `PIGEON_E2E_SHOTS=<dir>` only: saves <dir>/attachments-<name>.png after two painted frames. A
 * plain run writes nothing; `PIGEON_E2E_SHOTS=docs/screenshots` refreshes the docs' images.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.PIGEON_E2E_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(dir, `attachments-${name}.png`) });
}
