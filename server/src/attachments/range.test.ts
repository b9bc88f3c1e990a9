import { describe, expect, it } from 'vitest';
import { etagOf, matchesEtag, parseRange } from './range.ts';

describe('parseRange', () => {
  it('reads one range, an open end and a suffix', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });

  it('is unsatisfiable past the end or for an empty suffix', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it does not understand (whole file)', () => {
    for (const h of ['bytes=0-1,5-6', 'items=0-1', 'bytes=5-1', 'bytes=-', 'bytes=a-b']) expect(parseRange(h, 100), h).toEqual({ kind: 'full' });
  });
});

describe('matchesEtag', () => {
  it('matches the strong, weak and * forms in a list', () => {
    const etag = etagOf('ab');
    expect(matchesEtag('"ab"', etag)).toBe(true);
    expect(matchesEtag('"x", W/"ab"', etag)).toBe(true);
    expect(matchesEtag('*', etag)).toBe(true);
    expect(matchesEtag('"abc"', etag)).toBe(false);
    expect(matchesEtag(undefined, etag)).toBe(false);
  });
});
