/**
 * Lighthouse 12.2.3 (its Node API) on Debian's Chromium, mobile preset: Moto G Power emulation,
 * simulated slow 4G (150 ms RTT, 1.6 Mbit/s down) and a 4× CPU slowdown, the default config.
 * Chromium is launched by chrome-launcher (Lighthouse's own launcher) with the project's flags and
 * never downloaded. For a page behind a sign-in, playwright-core connects to the same Chromium
 * over CDP first and signs in; Lighthouse then runs with `disableStorageReset` so IndexedDB (the
 * session, the cached chats) stays, after the service worker, Cache Storage and the HTTP cache
 * were emptied: the run is a network load of an app that has its data, not a service-worker start.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type LaunchedChrome } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium, type Page } from 'playwright-core';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface LighthouseFigures {
  /** 0–100, the performance category. */
  performance: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  speedIndexMs: number;
  /** JavaScript transferred (bytes on the wire, after the page load). */
  scriptTransfer: number;
  /** What `unused-javascript` says could be saved (transfer bytes). */
  unusedJs: number;
  /** Lighthouse's own warnings (e.g. a page that did not settle), verbatim. */
  warnings: string[];
}

export interface LighthouseBrowser {
  readonly port: number;
  /** Runs `fn` on a tab of the default profile (same storage Lighthouse sees), then closes the tab. */
  withPage<T>(fn: (page: Page) => Promise<T>): Promise<T>;
  /** Unregisters service workers, empties Cache Storage and the HTTP cache; IndexedDB and localStorage stay. */
  dropCaches(origin: string): Promise<void>;
  run(url: string, opts?: { keepStorage?: boolean }): Promise<LighthouseFigures>;
  close(): Promise<void>;
}

export async function launchLighthouseBrowser(): Promise<LighthouseBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'pigeon-lighthouse-'));
  const chrome: LaunchedChrome = await launch({ chromePath: '/usr/bin/chromium', chromeFlags: FLAGS, userDataDir });
  const cdpUrl = `http://127.0.0.1:${chrome.port}`;

  async function withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
    const browser = await chromium.connectOverCDP(cdpUrl);
    try {
      const context = browser.contexts()[0];
      if (!context) throw new Error('no default browser context over CDP');
      const page = await context.newPage();
      try {
        return await fn(page);
      } finally {
        await page.close();
      }
    } finally {
      // Disconnects playwright; the browser (owned by chrome-launcher) stays up.
      await browser.close();
    }
  }

  return {
    port: chrome.port,
    withPage,
    async dropCaches(origin) {
      // What Lighthouse's own storage reset does, minus IndexedDB and localStorage: a service worker that
      // unregister() only marks for removal (while a page of the origin is open) is gone at once here.
      await withPage(async (page) => {
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Storage.clearDataForOrigin', { origin: new URL(origin).origin, storageTypes: 'service_workers,cache_storage' });
        await cdp.send('Network.clearBrowserCache');
      });
    },
    async run(url, opts = {}) {
      // A trace Lighthouse could not read (NO_NAVSTART, NO_FCP: seen on a loaded machine) is run again, twice at most.
      for (let attempt = 1; ; attempt++) {
        try {
          return await runOnce(url, opts.keepStorage ?? false);
        } catch (e) {
          if (attempt >= 3 || !(e instanceof LighthouseRuntimeError)) throw e;
          console.warn(`  lighthouse: ${e.message}; again (${attempt + 1}/3)`);
        }
      }
    },
    async close() {
      chrome.kill();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };

  async function runOnce(url: string, keepStorage: boolean): Promise<LighthouseFigures> {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance'],
      disableStorageReset: keepStorage,
    });
    if (!result) throw new Error(`lighthouse gave no result for ${url}`);
    // BENCH_LIGHTHOUSE_DIR=path keeps every full report (for profiling: long tasks, bootup time, the trace's summary).
    const keep = process.env.BENCH_LIGHTHOUSE_DIR;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      const name = `${new URL(url).hash ? 'chat' : 'sign-in'}-${Date.now()}`;
      writeFileSync(join(keep, `${name}.json`), JSON.stringify(result.lhr));
      // The page load's trace too (open it in DevTools' Performance panel, or summarise its long tasks and layout shifts).
      const trace = (result.artifacts as { Trace?: unknown }).Trace;
      if (trace) writeFileSync(join(keep, `${name}.trace.json`), JSON.stringify(trace));
    }
    return figuresOf(result.lhr);
  }
}

class LighthouseRuntimeError extends Error {
  override name = 'LighthouseRuntimeError';
}

type Lhr = NonNullable<Awaited<ReturnType<typeof lighthouse>>>['lhr'];

function figuresOf(lhr: Lhr): LighthouseFigures {
  const audit = (id: string) => lhr.audits[id];
  const num = (id: string) => audit(id)?.numericValue ?? NaN;
  const summary = audit('resource-summary')?.details as { items?: Array<{ resourceType: string; transferSize: number }> } | undefined;
  const unused = audit('unused-javascript')?.details as { overallSavingsBytes?: number } | undefined;
  if (lhr.runtimeError) throw new LighthouseRuntimeError(`${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  return {
    performance: Math.round((lhr.categories.performance?.score ?? NaN) * 100),
    fcpMs: num('first-contentful-paint'),
    lcpMs: num('largest-contentful-paint'),
    tbtMs: num('total-blocking-time'),
    speedIndexMs: num('speed-index'),
    scriptTransfer: summary?.items?.find((i) => i.resourceType === 'script')?.transferSize ?? NaN,
    unusedJs: unused?.overallSavingsBytes ?? 0,
    warnings: lhr.runWarnings ?? [],
  };
}
