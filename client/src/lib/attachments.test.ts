import { describe, expect, it } from 'vitest';
import { aspectRatio, fileKind, gridCells, typeLabel, uploadProgress } from './attachment-display.ts';
import { setLocale } from '../i18n/index.ts';
import { acceptFiles, attachmentSummary, humanSize, limitFromMessage, messageLine, showsInline, uploadRefusal } from './attachments.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';

const MiB = 1024 * 1024;
const png = { mime: 'image/png', name: 'a.png' };
const pdf = { mime: 'application/pdf', name: 'report.pdf' };

describe('attachments (UI helpers)', () => {
  it('shows only raster images inline: HEIC, SVG and unknown types are files', () => {
    expect(showsInline({ mime: 'image/jpeg' })).toBe(true);
    expect(showsInline({ mime: 'image/webp' })).toBe(true);
    expect(showsInline({ mime: 'image/heic' })).toBe(false);
    expect(showsInline({ mime: 'image/svg+xml' })).toBe(false);
    expect(showsInline({ mime: 'application/octet-stream' })).toBe(false);
  });

  it('says sizes in words', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(900)).toBe('900 B');
    expect(humanSize(1536)).toBe('1.5 KB');
    expect(humanSize(17 * MiB)).toBe('17 MB');
    expect(humanSize(16 * MiB + 1)).toBe('16 MB');
    expect(humanSize(3.25 * MiB)).toBe('3.3 MB');
  });

  it('says sizes and summaries in French when the UI is French', async () => {
    await setLocale('fr');
    try {
      expect(humanSize(1536)).toBe('1,5 Ko');
      expect(humanSize(900)).toBe('900 o');
      expect(attachmentSummary([{ mime: 'application/pdf', name: 'a.pdf' }, { mime: 'image/png', name: 'b.png' }])).toBe('📎 2 fichiers');
    } finally {
      setLocale('en');
    }
  });

  it('summarises a message without text for quotes and the list', () => {
    expect(attachmentSummary([])).toBe('');
    expect(attachmentSummary(undefined)).toBe('');
    expect(attachmentSummary([png])).toBe('📷 Photo');
    expect(attachmentSummary([png, png, png])).toBe('📷 3 photos');
    expect(attachmentSummary([pdf])).toBe('📎 report.pdf');
    expect(attachmentSummary([png, pdf])).toBe('📎 2 files');
    expect(attachmentSummary([{ mime: 'image/heic', name: 'IMG_1.heic' }])).toBe('📎 IMG_1.heic');
    expect(messageLine({ body: 'caption', attachments: [png] })).toBe('caption');
    expect(messageLine({ body: '', attachments: [png] })).toBe('📷 Photo');
  });

  it('lays out at most four cells and counts the rest', () => {
    expect(gridCells(1)).toEqual({ shown: 1, more: 0 });
    expect(gridCells(4)).toEqual({ shown: 4, more: 0 });
    expect(gridCells(7)).toEqual({ shown: 4, more: 3 });
  });

  it('keeps an image aspect from its size, else the ThumbHash, within a sane frame', () => {
    expect(aspectRatio({ width: 800, height: 600 }, 0.5)).toBeCloseTo(4 / 3);
    expect(aspectRatio({}, 0.75)).toBe(0.75);
    expect(aspectRatio({}, null)).toBe(1);
    expect(aspectRatio({ width: 100, height: 2000 }, null)).toBe(0.4);
  });

  it('reports upload progress only while uploading', () => {
    expect(uploadProgress({ size: 100 })).toBeNull();
    expect(uploadProgress({ size: 200, uploaded: 50 })).toBe(0.25);
    expect(uploadProgress({ size: 200, uploaded: 500 })).toBe(1);
  });

  it('names kinds and type labels of files', () => {
    expect(fileKind('application/pdf')).toBe('pdf');
    expect(fileKind('application/zip', 'x.zip')).toBe('archive');
    expect(fileKind('application/octet-stream', 'notes.txt')).toBe('other');
    expect(fileKind('text/plain')).toBe('text');
    expect(typeLabel('application/pdf', 'report.pdf')).toBe('PDF');
    expect(typeLabel('application/octet-stream', 'blob')).toBe('FILE');
    expect(typeLabel('application/zip', 'archive')).toBe('ZIP');
  });

  it('says why an upload was refused', () => {
    const big = [{ size: 17 * MiB, name: 'big.bin' }];
    expect(uploadRefusal({ code: 'PAYLOAD_TOO_LARGE', message: 'big.bin: attachments are at most 16777216 bytes' }, big)).toBe('Too large: 17 MB, the limit is 16 MB.');
    // The file the engine names, not the largest; a name with digits does not fool the limit.
    const two = [{ size: 3 * MiB, name: '2000000 bytes.zip' }, { size: 5 * MiB, name: 'ok.zip' }];
    expect(uploadRefusal({ code: 'PAYLOAD_TOO_LARGE', message: '2000000 bytes.zip: attachments are at most 1048576 bytes' }, two)).toBe('Too large: 3 MB, the limit is 1 MB.');
    expect(uploadRefusal({ code: 'PAYLOAD_TOO_LARGE', message: 'too large' }, [{ size: 10, name: 'a' }])).toBe('Too large: the limit is 16 MB.');
    expect(uploadRefusal({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'html' }, big)).toBe("This type of file can't be sent.");
    expect(uploadRefusal({ code: 'FORBIDDEN', message: '' }, big)).toBeNull();
    expect(uploadRefusal({ code: 'PAYLOAD_TOO_LARGE', message: '' }, [])).toBeNull();
    expect(limitFromMessage('nothing')).toBe(16 * MiB);
  });

  it('round-trips base64url', () => {
    const bytes = Uint8Array.from([0, 250, 251, 252, 253, 254, 255, 62, 63]);
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect([...fromBase64Url(text)!]).toEqual([...bytes]);
    expect(fromBase64Url('not base64!')).toBeNull();
  });

  it('accepts at most ten files and no empty one', () => {
    const f = (size: number, name = 'f') => ({ size, name });
    expect(acceptFiles([f(1), f(2)], 0)).toEqual({ accepted: [f(1), f(2)], refusal: null });
    const many = acceptFiles(Array.from({ length: 4 }, () => f(1)), 8);
    expect(many.accepted).toHaveLength(2);
    expect(many.refusal).toBe('You can send up to 10 files at once.');
    expect(acceptFiles([f(0, 'empty.txt'), f(3)], 0)).toEqual({ accepted: [f(3)], refusal: 'empty.txt is empty.' });
  });
});
