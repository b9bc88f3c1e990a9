import { queryTerms } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { snippetParts, type SnippetPart } from './snippet.ts';

/** The parts as one string, marks in [brackets]. */
const show = (parts: SnippetPart[]) => parts.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('');

describe('snippetParts', () => {
  it('marks every word a term starts, case and accents ignored', () => {
    expect(show(snippetParts('Photos from the Élan café, photo two', queryTerms('pho elan')))).toBe('[Photos] from the [Élan] café, [photo] two');
  });

  it('windows a long text around the first match, cut at words with ellipses', () => {
    const body = `${'alpha '.repeat(30)}needle in the haystack ${'omega '.repeat(30)}`;
    const s = show(snippetParts(body, ['needle'], { max: 40, lead: 12 }));
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s).toContain('[needle] in the haystack');
    expect(s).toMatch(/^…(alpha )+\[needle\]/); // starts at a word, not inside "alpha"
  });

  it('puts a long text on one line and shows its start when nothing matches', () => {
    expect(show(snippetParts('first line\n\nsecond   line', ['zzz']))).toBe('first line second line');
  });

  it('never cuts an emoji in half', () => {
    const body = `${'😀'.repeat(30)} word`;
    for (const part of snippetParts(body, ['word'], { max: 21, lead: 5 })) expect(part.text).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
  });

  it('keeps markup as text (the UI renders parts, never HTML)', () => {
    expect(snippetParts('<b>hi</b> hello', ['hello']).map((p) => p.text)).toEqual(['<b>hi</b> ', 'hello']);
  });
});
