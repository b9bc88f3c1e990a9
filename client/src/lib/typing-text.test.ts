import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.ts';
import { describeTypists } from './typing-text.ts';

describe('describeTypists', () => {
  it('names up to three typists, then counts the others', () => {
    expect(describeTypists([])).toBe('');
    expect(describeTypists(['Ana'])).toBe('Ana is typing…');
    expect(describeTypists(['Ana', 'Bo'])).toBe('Ana and Bo are typing…');
    expect(describeTypists(['Ana', 'Bo', 'Cy'])).toBe('Ana, Bo and Cy are typing…');
    expect(describeTypists(['Ana', 'Bo', 'Cy', 'Di', 'Ed'])).toBe('Ana, Bo and 3 others are typing…');
  });

  afterEach(() => setLocale('en'));

  it('speaks French', async () => {
    await setLocale('fr');
    expect(describeTypists(['Ana'])).toBe('Ana écrit…');
    expect(describeTypists(['Ana', 'Bo'])).toBe('Ana et Bo écrivent…');
    expect(describeTypists(['Ana', 'Bo', 'Cy', 'Di'])).toBe('Ana, Bo et 2 autres personnes écrivent…');
  });
});
