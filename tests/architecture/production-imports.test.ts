/**
 * Test-only code (`*.test.ts`, `testing/` folders, vitest, fake-indexeddb) must never be
 * reachable from what runs in production: the server's CLI, the packages' public entries
 * and the PWA. This walks the static import graph from those entries (relative imports,
 * workspace packages, `new URL('./x', import.meta.url)` worker files) and fails on the
 * first test-only file or package it reaches, naming the path that led there.
 *
 * `@pigeon/sync-protocol/testing` is a published kit for embedders' tests; it is allowed
 * to exist, just not to be imported by production code.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

const ENTRIES = [
  'server/src/main.ts',
  'server/src/index.ts',
  'sync-protocol/src/index.ts',
  'sync-protocol/src/engine/index.ts',
  'client/src/main.ts',
];

/** Workspace package specifiers → their source entry (mirrors the packages' `exports`). */
function workspaceEntry(specifier: string): string | null {
  for (const [pkg, dir] of [['@pigeon/sync-protocol', 'sync-protocol'], ['@pigeon/server', 'server']] as const) {
    if (specifier !== pkg && !specifier.startsWith(`${pkg}/`)) continue;
    const exports = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')).exports as Record<string, string>;
    const sub = specifier === pkg ? '.' : `./${specifier.slice(pkg.length + 1)}`;
    const target = exports[sub];
    if (!target) throw new Error(`${specifier}: not exported by ${dir}/package.json`);
    return join(REPO, dir, target);
  }
  return null;
}

const TEST_ONLY_PACKAGES = ['vitest', 'fake-indexeddb', 'playwright-core', '@vitest/'];

function isTestOnlyFile(file: string): boolean {
  const rel = relative(REPO, file);
  return /\.test\.(ts|mts|js|mjs)$/.test(rel) || rel.split('/').includes('testing') || rel.startsWith('tests/');
}

function specifiersOf(source: string): { specifier: string; asUrl: boolean }[] {
  const out: { specifier: string; asUrl: boolean }[] = [];
  // Type-only imports vanish at runtime and may name test types; everything else counts.
  const importRe = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
  const dynamicRe = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  const urlRe = /new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;
  for (const m of source.matchAll(importRe)) out.push({ specifier: m[1]!, asUrl: false });
  for (const m of source.matchAll(dynamicRe)) out.push({ specifier: m[1]!, asUrl: false });
  for (const m of source.matchAll(urlRe)) out.push({ specifier: m[1]!, asUrl: true });
  return out;
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

/** Script blocks of a Vue SFC; other files are read whole. */
function codeOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.vue')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function walk(entries: string[]): { reached: Set<string>; violations: string[] } {
  const reached = new Set<string>();
  const violations: string[] = [];
  const via = new Map<string, string>();
  const trail = (file: string): string => {
    const chain = [relative(REPO, file)];
    for (let f = via.get(file); f; f = via.get(f)) chain.unshift(relative(REPO, f));
    return chain.join(' → ');
  };
  const roots = new Set(entries.map((e) => join(REPO, e)));
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (reached.has(file)) continue;
    reached.add(file);
    if (!roots.has(file) && isTestOnlyFile(file)) {
      violations.push(trail(file));
      continue;
    }
    if (!/\.(ts|mts|mjs|js|vue)$/.test(file)) continue;
    for (const { specifier, asUrl } of specifiersOf(codeOf(file))) {
      let target: string | null = null;
      if (specifier.startsWith('.')) target = resolveRelative(file, specifier);
      else if (!asUrl) {
        if (TEST_ONLY_PACKAGES.some((p) => specifier === p || specifier.startsWith(p.endsWith('/') ? p : `${p}/`))) {
          violations.push(`${trail(file)} → ${specifier}`);
          continue;
        }
        target = workspaceEntry(specifier);
      }
      if (target && !reached.has(target)) {
        if (!via.has(target)) via.set(target, file);
        queue.push(target);
      }
    }
  }
  return { reached, violations };
}

describe('production code', () => {
  it('never reaches test-only files or packages from its entries', () => {
    const { reached, violations } = walk(ENTRIES);
    expect(violations).toEqual([]);
    // The walk must really have followed the graph (a broken resolver would pass vacuously).
    const rel = [...reached].map((f) => relative(REPO, f));
    expect(rel).toContain('server/src/start-server.ts');
    expect(rel.some((f) => f.startsWith('server/src/store/sqlite/'))).toBe(true);
    expect(rel.some((f) => f.startsWith('server/src/store/mongo/'))).toBe(true);
    expect(rel.some((f) => f.startsWith('sync-protocol/src/engine/'))).toBe(true);
    expect(rel.some((f) => f.endsWith('.vue'))).toBe(true);
  });

  it('the walker flags a test-only import when there is one', () => {
    // A store's test imports vitest and the contract suite: both must be reported.
    const { violations } = walk(['server/src/store/sqlite/sqlite-store.test.ts']);
    expect(violations.some((v) => v.endsWith('→ vitest'))).toBe(true);
    expect(violations.some((v) => /\/testing\/|store\.contract/.test(v))).toBe(true);
  });
});
