import { describe, expect, it } from 'vitest';
import { foldForSearch, highlightRanges, matchesTerms, queryTerms, searchTokens, SEARCH_WORD_MAX } from './search-text.ts';

describe('search text', () => {
  it('folds case, accents and compatibility forms', () => {
    expect(foldForSearch('Élan CAFÉ ﬁn Ñandú')).toBe('elan cafe fin nandu');
  });

  it('tokens are the distinct words of any script, in order', () => {
    expect(searchTokens("Hello, hello! C'est l'été — 2026 Привет мир مرحبا")).toEqual(['hello', 'c', 'est', 'l', 'ete', '2026', 'привет', 'мир', 'مرحبا']);
    expect(searchTokens('🙂 ... !!!')).toEqual([]);
    expect(searchTokens('x'.repeat(100))).toEqual(['x'.repeat(SEARCH_WORD_MAX)]);
    // Cut by code points, not UTF-16 units: 30 astral letters (60 units) stay whole, 50 keep 40.
    const astral = (n: number) => '𐌰'.repeat(n); // Gothic ahsa: no case, no decomposition
    expect(searchTokens(`${astral(30)} and ${astral(50)}`)).toEqual([astral(30), 'and', astral(SEARCH_WORD_MAX)]);
  });

  it('a query word matches a body word that starts with it, every word must match', () => {
    const tokens = searchTokens('Photos de la plage à Biarritz');
    expect(matchesTerms(tokens, queryTerms('pho'))).toBe(true);
    expect(matchesTerms(tokens, queryTerms('PLAGE biar'))).toBe(true);
    expect(matchesTerms(tokens, queryTerms('a'))).toBe(true);
    expect(matchesTerms(tokens, queryTerms('plage paris'))).toBe(false);
    expect(matchesTerms(tokens, queryTerms('otos'))).toBe(false);
    expect(matchesTerms(tokens, queryTerms('  !! '))).toBe(false);
  });

  it('query terms are bounded', () => {
    expect(queryTerms('a b c d e f g h i j k')).toHaveLength(8);
    expect(queryTerms('Été été ete')).toEqual(['ete']);
  });

  it('highlights the matched words in the original text, accents and case kept', () => {
    const text = 'Les Étés à Brest, étés chauds';
    const ranges = highlightRanges(text, queryTerms('ete'));
    expect(ranges.map(([a, b]) => text.slice(a, b))).toEqual(['Étés', 'étés']);
    // Decomposed input (e + combining acute) is one word too.
    const nfd = 'cafe\u0301 noir';
    expect(highlightRanges(nfd, queryTerms('café')).map(([a, b]) => nfd.slice(a, b))).toEqual(['cafe\u0301']);
    expect(highlightRanges(text, [])).toEqual([]);
  });

  it('ASCII text, folded by its fast path, gives the same words as the Unicode rule', () => {
    // The rule as written before the fast path (NFKD, marks dropped, lower case, \p{L}\p{N} runs).
    const reference = (text: string) =>
      [...new Set([...text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => [...m[0]].slice(0, SEARCH_WORD_MAX).join('')))].slice(0, 512);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    const samples = ['', 'Hello World', 'A1b2 C3', 'x'.repeat(45) + ' Y'.repeat(3), '\u0000\t\n ~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./', 'MiXeD cAsE 123abc ABC123', 'a b a c b d'];
    // Past the short scan (32 words) and past the cap (512 distinct words), repeats included.
    samples.push(Array.from({ length: 40 }, (_, i) => `w${i % 30}`).join(' '), Array.from({ length: 700 }, (_, i) => `W${i % 600}`).join(' '));
    for (let n = 0; n < 300; n++) samples.push(Array.from({ length: 1 + Math.floor(random() * 120) }, () => String.fromCharCode(Math.floor(random() * 128))).join(''));
    for (const text of samples) {
      expect(searchTokens(text)).toEqual(reference(text));
      expect(foldForSearch(text)).toBe(text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase());
    }
    // One character outside ASCII takes the Unicode path for the whole text.
    expect(searchTokens('CAFÉ au lait, ﬁne')).toEqual(['cafe', 'au', 'lait', 'fine']);
  });
});
