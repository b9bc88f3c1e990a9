import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_STATUS } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { LOCALES, pickLocale } from './locales.ts';
import { pluralChooser } from './plural.ts';

const dir = new URL('./locales/', import.meta.url).pathname;
type Tree = { [key: string]: string | Tree };

/** Every leaf of every part of a language: `chat.send` → its text. */
function leaves(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (prefix: string, tree: Tree) => {
    for (const [k, v] of Object.entries(tree)) typeof v === 'string' ? out.set(`${prefix}${k}`, v) : walk(`${prefix}${k}.`, v);
  };
  for (const file of readdirSync(join(dir, locale)).filter((f) => f.endsWith('.json'))) {
    walk(`${file.replace(/\.json$/, '')}.`, JSON.parse(readFileSync(join(dir, locale, file), 'utf8')) as Tree);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\s*(\w+)\s*\}/g)].map((m) => m[1]).sort();
const forms = (text: string) => text.split(/\s\|\s/).length;

describe('i18n messages', () => {
  const all = Object.fromEntries(LOCALES.map((l) => [l, leaves(l)]));

  it('every key is in both languages, with the same placeholders and the same number of plural forms', () => {
    const [a, b] = LOCALES.map((l) => all[l]!);
    const missing = [...[...a!.keys()].filter((k) => !b!.has(k)).map((k) => `fr lacks ${k}`), ...[...b!.keys()].filter((k) => !a!.has(k)).map((k) => `en lacks ${k}`)];
    expect(missing).toEqual([]);
    const different = [...a!.keys()].flatMap((k) => {
      const [x, y] = [a!.get(k)!, b!.get(k)!];
      const issues = [];
      if (placeholders(x).join() !== placeholders(y).join()) issues.push(`${k}: placeholders ${placeholders(x)} vs ${placeholders(y)}`);
      if (forms(x) !== forms(y)) issues.push(`${k}: ${forms(x)} vs ${forms(y)} plural forms`);
      if (y.trim() === '') issues.push(`${k}: empty`);
      return issues;
    });
    expect(different).toEqual([]);
  });

  it('has a message for every error code of the protocol', () => {
    for (const l of LOCALES) for (const code of Object.keys(ERROR_STATUS)) expect(all[l]!.has(`common.errors.${code}`), `${l} common.errors.${code}`).toBe(true);
  });

  it('chooses plural forms by each language’s rules: French 0 and 1 singular, English only 1', () => {
    const fr = pluralChooser('fr');
    const en = pluralChooser('en');
    expect([0, 1, 2, 5].map((n) => fr(n, 2))).toEqual([0, 0, 1, 1]);
    expect([0, 1, 2, 5].map((n) => en(n, 2))).toEqual([1, 0, 1, 1]);
    expect([0, 1, 2].map((n) => en(n, 3))).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((n) => fr(n, 3))).toEqual([0, 1, 2]);
  });

  it('picks the stored choice, else the first browser language it has, else English', () => {
    expect(pickLocale('fr', ['en-US'])).toBe('fr');
    expect(pickLocale(null, ['de-DE', 'fr-CA', 'en'])).toBe('fr');
    expect(pickLocale('xx', ['de'])).toBe('en');
  });
});
