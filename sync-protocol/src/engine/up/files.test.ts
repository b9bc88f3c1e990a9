import { describe, expect, it } from 'vitest';
import { attachmentNameSchema } from '../../model/attachment.ts';
import { checkFiles, localAttachment, prepareFiles, safeFileName, sha256Hex, uploadClientIdOf } from './files.ts';

describe('safeFileName', () => {
  it('keeps ordinary names, replaces separators and control characters, drops bidi controls', () => {
    expect(safeFileName('Photo 2026-12-01.jpg')).toBe('Photo 2026-12-01.jpg');
    expect(safeFileName('../etc/passwd')).toBe('.._etc_passwd');
    expect(safeFileName('a\u0000b\nc.txt')).toBe('a_b_c.txt');
    expect(safeFileName('evil\u202Egpj.exe')).toBe('evilgpj.exe');
  });

  it('falls back to "file" when nothing usable is left, and cuts long names to 255 code points', () => {
    for (const name of ['', '   ', '.', '..']) expect(safeFileName(name)).toBe('file');
    const long = safeFileName('😀'.repeat(300));
    expect([...long]).toHaveLength(255);
    expect(attachmentNameSchema.safeParse(long).success).toBe(true);
  });
});

describe('prepareFiles', () => {
  it('hashes, types and describes each file; a bad preview or size from describeImage is dropped', async () => {
    const blob = new Blob(['abc'], { type: 'image/png' });
    const [good, bad] = await prepareFiles(
      [
        { blob, name: 'a.png' },
        { blob: new Blob(['x']), name: 'b' },
      ],
      async (b) => (b.type === 'image/png' ? { width: 4, height: 3, preview: 'AbC_-' } : { width: -1, height: 2, preview: 'not base64url!' }),
    );
    expect(good).toMatchObject({ name: 'a.png', type: 'image/png', size: 3, width: 4, height: 3, preview: 'AbC_-' });
    expect(good!.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(bad).toMatchObject({ type: 'application/octet-stream', size: 1 });
    expect(bad).not.toHaveProperty('preview');
    expect(bad).not.toHaveProperty('width');
    const shown = localAttachment(good!);
    expect(uploadClientIdOf(shown.id)).toBe(good!.clientId);
    expect(shown).toMatchObject({ mime: 'image/png', uploaded: 0, width: 4 });
  });

  it('a failing describeImage costs only the description', async () => {
    const [f] = await prepareFiles([{ blob: new Blob(['abc']), name: 'a' }], () => Promise.reject(new Error('no canvas')));
    expect(f).not.toHaveProperty('preview');
    expect(f!.sha256).toBe(await sha256Hex(new Blob(['abc'])));
  });

  it('refuses an empty file and more than 10', () => {
    expect(() => checkFiles([{ blob: new Blob([]), name: 'e' }])).toThrow(/empty/);
    expect(() => checkFiles(Array.from({ length: 11 }, () => ({ blob: new Blob(['x']), name: 'x' })))).toThrow(/at most 10/);
    expect(() => checkFiles(Array.from({ length: 10 }, () => ({ blob: new Blob(['x']), name: 'x' })))).not.toThrow();
  });
});

describe('sha256Hex without crypto.subtle (not a secure context)', () => {
  it("answers '' instead of failing the send", async () => {
    const subtle = Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle');
    Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
    try {
      expect(await sha256Hex(new Blob(['abc']))).toBe('');
      const [f] = await prepareFiles([{ blob: new Blob(['abc']), name: 'a' }]);
      expect(f!.sha256).toBe('');
    } finally {
      if (subtle) Object.defineProperty(globalThis.crypto, 'subtle', subtle);
      else delete (globalThis.crypto as { subtle?: unknown }).subtle;
    }
    expect(await sha256Hex(new Blob(['abc']))).toHaveLength(64);
  });
});
