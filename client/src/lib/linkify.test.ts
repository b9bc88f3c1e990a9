import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from './linkify.ts';

const links = (text: string) => linkify(text).filter((t) => t.kind === 'link');
const joined = (text: string) => linkify(text).map((t) => t.text).join('');

describe('linkify', () => {
  it('links http and https URLs and keeps the text around them', () => {
    expect(linkify('see https://example.com/a?b=c&d=e#f now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=c&d=e#f', href: 'https://example.com/a?b=c&d=e#f' },
      { kind: 'text', text: ' now' },
    ]);
    expect(links('http://x.org and HTTPS://Y.org/P').map((l) => l.href)).toEqual(['http://x.org/', 'https://y.org/P']);
  });

  it('leaves the sentence’s trailing punctuation out of the link', () => {
    expect(linkify('see https://x.org/a.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://x.org/a', href: 'https://x.org/a' },
      { kind: 'text', text: '.' },
    ]);
    expect(links('https://x.org/a?!').map((l) => l.text)).toEqual(['https://x.org/a']);
    expect(links('“https://x.org/a”, ok').map((l) => l.text)).toEqual(['https://x.org/a']);
  });

  it('keeps balanced parentheses and drops an unmatched closing one', () => {
    expect(links('https://en.wikipedia.org/wiki/Pigeon_(disambiguation)').map((l) => l.text)).toEqual(['https://en.wikipedia.org/wiki/Pigeon_(disambiguation)']);
    expect(joined('(see https://x.org/a)')).toBe('(see https://x.org/a)');
    expect(links('(see https://x.org/a)').map((l) => l.text)).toEqual(['https://x.org/a']);
  });

  it('never links javascript:, data: or other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'vbscript:x', 'JaVaScRiPt:alert(1)']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    // A javascript: URL hidden after a safe-looking one is not one link.
    expect(links('https://x.org/javascript:alert(1)').map((l) => l.href)).toEqual(['https://x.org/javascript:alert(1)']);
  });

  it('links mailto: and bare e-mail addresses as mailto:, not bare host names', () => {
    expect(links('write to ana@example.org.').map((l) => [l.text, l.href])).toEqual([['ana@example.org', 'mailto:ana@example.org']]);
    expect(links('mailto:bo@x.org?subject=hi').map((l) => l.href)).toEqual(['mailto:bo@x.org?subject=hi']);
    expect(links('example.org www.example.org notes.txt a@b')).toEqual([]);
  });

  it('returns the text unchanged when there is nothing to link', () => {
    expect(linkify('')).toEqual([]);
    expect(linkify('hello\nworld')).toEqual([{ kind: 'text', text: 'hello\nworld' }]);
    expect(joined('a https://x.org b https://y.org c')).toBe('a https://x.org b https://y.org c');
    expect(links('https://').length).toBe(0);
  });
});
