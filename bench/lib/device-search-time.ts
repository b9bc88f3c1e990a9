/**
 * How long the device's own search takes over what a catch-up stored (figure 3, session 43: server
 * copies' search words in word records, engine/local/page-words.ts). The engine offline, so only the
 * device answers; median of 5 searches per query. Every hit is checked to hold the query's words
 * (the bench fails loudly on a wrong answer, never on a slow one).
 */
import { matchesTerms, queryTerms, searchTokens } from '@pigeon/sync-protocol';
import type { Page } from 'playwright-core';
import type { SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import { fail } from './integrity.ts';
import { percentile } from './stats.ts';

/**
 * A word many chat-like bodies share, two words, and a message number each chat has once
 * (bench/lib/burst.ts numbers each chat's messages from 0 for bench/lib/chat-body.ts): 123, or the
 * chat's last number when it has fewer (the MongoDB run's 100 a chat: 99).
 */
export const searchQueries = (perChat: number): string[] => ['lunch', 'see tomorrow', String(Math.min(123, perChat - 1))];

export interface DeviceSearchTime {
  q: string;
  ms: number;
  hits: number;
}

/** Each query searched 5 times by `once` (which times itself): the median time, and the last search's hits. */
async function medianOf5(queries: readonly string[], once: (q: string) => Promise<{ ms: number; hits: number }>): Promise<DeviceSearchTime[]> {
  const out: DeviceSearchTime[] = [];
  for (const q of queries) {
    const runs: { ms: number; hits: number }[] = [];
    for (let i = 0; i < 5; i++) runs.push(await once(q));
    out.push({ q, ms: percentile(runs.map((r) => r.ms).sort((a, b) => a - b), 50), hits: runs[runs.length - 1]!.hits });
  }
  return out;
}

export async function timeDeviceSearch(engine: SyncEngine, where: string, perChat: number): Promise<DeviceSearchTime[]> {
  engine.setNetworkEnabled(false);
  const out = await medianOf5(searchQueries(perChat), async (q) => {
    const t0 = performance.now();
    const r = await engine.search(q);
    const ms = performance.now() - t0;
    if (r.hits.length === 0) fail(where, `device search "${q}" found nothing`);
    const wrong = r.hits.find((h) => !matchesTerms(searchTokens(h.message.body), queryTerms(q)));
    if (wrong) fail(where, `device search "${q}" returned "${wrong.message.body}"`);
    return { ms, hits: r.hits.length };
  });
  engine.setNetworkEnabled(true);
  return out;
}

/**
 * The same queries typed into the PWA's search box (`people-search`), offline: time from the text
 * filled until the message results say they answer it (`message-results` data-state done, its
 * data-query the text), the box's input debounce and the results' render included. Median of 5.
 */
export async function timePageSearch(page: Page, where: string, perChat: number): Promise<DeviceSearchTime[]> {
  const box = page.getByTestId('people-search');
  const out = await medianOf5(searchQueries(perChat), async (q) => {
    await box.fill('');
    const t0 = performance.now();
    await box.fill(q);
    await page.waitForFunction(
      (text) => {
        const s = document.querySelector('[data-testid="message-results"]');
        return s?.getAttribute('data-state') === 'done' && s.getAttribute('data-query') === text;
      },
      q,
      { polling: 'raf', timeout: 30_000 },
    );
    const ms = performance.now() - t0;
    return { ms, hits: await page.getByTestId('message-result').count() };
  });
  for (const r of out) if (r.hits === 0) fail(where, `search "${r.q}" in the page found nothing`);
  await box.fill('');
  return out;
}
