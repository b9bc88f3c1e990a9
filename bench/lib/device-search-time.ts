/**
 * How long the device's own search takes over what a catch-up stored (figure 3, session 43: the
 * search words of page-stored rows moved into one record per page, local/page-words.ts). The engine
 * offline, so only the device answers; median of 5 searches per query. Every hit is checked to
 * hold the query's words (the bench fails loudly on a wrong answer, never on a slow one).
 */
import { matchesTerms, queryTerms, searchTokens } from '../../sync-protocol/src/search-text.ts';
import type { Page } from 'playwright-core';
import type { SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import { fail } from './integrity.ts';

/** A word many chat-like bodies share, two words, and a message number each chat has once (bench/lib/chat-body.ts). */
export const SEARCH_QUERIES = ['lunch', 'see tomorrow', '123'] as const;

export interface DeviceSearchTime {
  q: string;
  ms: number;
  hits: number;
}

export async function timeDeviceSearch(engine: SyncEngine, where: string): Promise<DeviceSearchTime[]> {
  engine.setNetworkEnabled(false);
  const out: DeviceSearchTime[] = [];
  for (const q of SEARCH_QUERIES) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await engine.search(q);
      times.push(performance.now() - t0);
      hits = r.hits.length;
      if (hits === 0) fail(where, `device search "${q}" found nothing`);
      const wrong = r.hits.find((h) => !matchesTerms(searchTokens(h.message.body), queryTerms(q)));
      if (wrong) fail(where, `device search "${q}" returned "${wrong.message.body}"`);
    }
    times.sort((a, b) => a - b);
    out.push({ q, ms: times[2]!, hits });
  }
  engine.setNetworkEnabled(true);
  return out;
}

/**
 * The same queries typed into the PWA's search box (`people-search`), offline: time from the text
 * filled until the message results say they answer it (`message-results` data-state done, its
 * data-query the text), the box's input debounce and the results' render included. Median of 5.
 */
export async function timePageSearch(page: Page, where: string): Promise<DeviceSearchTime[]> {
  const out: DeviceSearchTime[] = [];
  const box = page.getByTestId('people-search');
  for (const q of SEARCH_QUERIES) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 5; i++) {
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
      times.push(performance.now() - t0);
      hits = await page.getByTestId('message-result').count();
    }
    if (hits === 0) fail(where, `search "${q}" in the page found nothing`);
    times.sort((a, b) => a - b);
    out.push({ q, ms: times[2]!, hits });
  }
  await box.fill('');
  return out;
}
