import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isPlainText, looksLikeMarkup, sniff } from './sniff.ts';

const png = () => sharp({ create: { width: 4, height: 3, channels: 3, background: '#c00' } }).png().toBuffer();
const ascii = (s: string) => Buffer.from(s, 'utf8');

describe('sniff', () => {
  it('takes the mime from the bytes, not the declared type', async () => {
    expect(await sniff({ head: await png(), declaredType: 'application/octet-stream', name: 'x.bin' })).toEqual({ ok: true, mime: 'image/png' });
    expect(await sniff({ head: await png(), declaredType: 'image/jpeg', name: 'photo.jpg' })).toEqual({ ok: true, mime: 'image/png' });
    const pdf = ascii('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n');
    expect(await sniff({ head: pdf, declaredType: 'text/html', name: 'a.pdf' })).toMatchObject({ ok: false });
    expect(await sniff({ head: pdf, declaredType: 'application/pdf', name: 'a.pdf' })).toEqual({ ok: true, mime: 'application/pdf' });
  });

  it('refuses a .png that is really HTML', async () => {
    const html = ascii('  \n<!DOCTYPE html><html><script>alert(1)</script>');
    expect(await sniff({ head: html, declaredType: 'image/png', name: 'cat.png' })).toMatchObject({ ok: false });
    expect(await sniff({ head: html, declaredType: undefined, name: 'cat' })).toMatchObject({ ok: false });
  });

  it('refuses SVG, XML and script by bytes, type or name', async () => {
    const svg = ascii('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expect(await sniff({ head: svg, declaredType: 'application/octet-stream', name: 'a.bin' })).toMatchObject({ ok: false });
    expect(await sniff({ head: ascii('\ufeff<?xml version="1.0"?><x/>'), declaredType: undefined, name: 'a' })).toMatchObject({ ok: false });
    expect(await sniff({ head: ascii('hello'), declaredType: 'image/svg+xml', name: 'a' })).toMatchObject({ ok: false });
    expect(await sniff({ head: ascii('hello'), declaredType: 'text/plain', name: 'evil.SVG' })).toMatchObject({ ok: false });
    expect(await sniff({ head: ascii('alert(1)'), declaredType: 'text/javascript', name: 'a.txt' })).toMatchObject({ ok: false });
    expect(await sniff({ head: ascii('alert(1)'), declaredType: 'text/plain', name: 'a.mjs' })).toMatchObject({ ok: false });
  });

  it('refuses a declared image whose bytes are not one', async () => {
    expect(await sniff({ head: ascii('just text'), declaredType: 'image/png', name: 'notes' })).toMatchObject({ ok: false });
    expect(await sniff({ head: ascii('just text'), declaredType: 'text/plain', name: 'notes.jpg' })).toMatchObject({ ok: false });
  });

  it('keeps text/plain only for declared, valid UTF-8 text; anything unknown is octet-stream', async () => {
    expect(await sniff({ head: ascii('héllo, world'), declaredType: 'text/plain; charset=utf-8', name: 'a.txt' })).toEqual({ ok: true, mime: 'text/plain' });
    expect(await sniff({ head: Buffer.from([0x68, 0, 0x69]), declaredType: 'text/plain', name: 'a.txt' })).toEqual({ ok: true, mime: 'application/octet-stream' });
    expect(await sniff({ head: ascii('héllo'), declaredType: undefined, name: 'a.txt' })).toEqual({ ok: true, mime: 'application/octet-stream' });
    expect(await sniff({ head: Buffer.from([1, 2, 3, 4]), declaredType: 'application/x-custom', name: 'a.dat' })).toEqual({ ok: true, mime: 'application/octet-stream' });
  });
});

describe('looksLikeMarkup', () => {
  it('matches the WHATWG HTML patterns case-insensitively after whitespace and a BOM', () => {
    for (const s of ['<HTML>', ' \t<body onload=x>', '<!-- x', '<a href=x>', '<p>', '<sVg', '<script>', '<?xml']) expect(looksLikeMarkup(ascii(s)), s).toBe(true);
    expect(looksLikeMarkup(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html>', 'utf16le')]))).toBe(true);
    for (const s of ['hello <html>', '<abc>', '<bx', 'a<p>', '']) expect(looksLikeMarkup(ascii(s)), s).toBe(false);
  });
});

describe('isPlainText', () => {
  it('accepts UTF-8 cut mid-character at the end, refuses NUL and invalid bytes', () => {
    const euro = ascii('price: €');
    expect(isPlainText(euro.subarray(0, euro.length - 1))).toBe(true);
    expect(isPlainText(Buffer.from([0x61, 0xff, 0x62]))).toBe(false);
    expect(isPlainText(Buffer.from([0x61, 0x00]))).toBe(false);
  });
});
