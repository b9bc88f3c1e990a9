/**
 * Figure 12: first load (#20).
 *  a. Initial JS of the built PWA (what index.html loads before anything runs, gzip -9), as in figure 5.
 *  b. Bytes on the wire for the entry script, with `Accept-Encoding: br`, `gzip` and none; the
 *     baseline is the identity answer of the same server in the same run.
 *  c. Lighthouse 12.2.3 mobile (simulated slow 4G, 4× CPU) on the sign-in page (a fresh profile)
 *     and on an open chat (a signed-in user with a conversation, data in IndexedDB, service worker
 *     and caches dropped: a network load). Median of `runs` runs per page.
 * The Pigeon server (SQLite) serves client/dist as in production.
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countLocalMessages } from '../lib/browser.ts';
import { sendBurst } from '../lib/burst.ts';
import { fail } from '../lib/integrity.ts';
import { launchLighthouseBrowser, type LighthouseFigures } from '../lib/lighthouse.ts';
import { table } from '../lib/report.ts';
import { fmtBytes, fmtMs, fmtRatio, summarize } from '../lib/stats.ts';
import { registerUsers, startTarget } from '../lib/targets.ts';
import { lighthouseVerdicts, precompressedVerdict, renderVerdicts, type Verdict } from '../lib/speed-targets.ts';
import { bundleSize, type BundleSize } from './client.ts';

export interface FirstLoadOptions {
  /** Lighthouse runs per page (median reported). */
  runs: number;
  /** Messages in the open chat. */
  messages: number;
}

export interface WireBytes {
  file: string;
  identity: number;
  gzip: number;
  br: number;
  /** Content-Encoding answered to `br` and to `gzip` (null: none). */
  encodings: { br: string | null; gzip: string | null };
}

export interface PageRuns {
  label: string;
  runs: LighthouseFigures[];
}

export interface FirstLoadFigures {
  bundle: BundleSize | null;
  entry: WireBytes | null;
  pages: PageRuns[];
}

const distDir = new URL('../../client/dist/', import.meta.url).pathname;

function entryScript(): string | null {
  try {
    const html = readFileSync(join(distDir, 'index.html'), 'utf8');
    return /<script[^>]*type="module"[^>]*src="([^"]+)"/.exec(html)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Body bytes as sent (node:http does not decode), and the Content-Encoding. */
function wire(url: string, acceptEncoding: string | null): Promise<{ bytes: number; encoding: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ bytes, encoding: (res.headers['content-encoding'] as string | undefined) ?? null }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function entryWire(base: string): Promise<WireBytes | null> {
  const file = entryScript();
  if (!file) return null;
  const url = new URL(file, base).href;
  const [identity, gzip, br] = await Promise.all([wire(url, null), wire(url, 'gzip'), wire(url, 'gzip, deflate, br, zstd')]);
  return { file, identity: identity.bytes, gzip: gzip.bytes, br: br.bytes, encodings: { br: br.encoding, gzip: gzip.encoding } };
}

export async function measureFirstLoad(opts: FirstLoadOptions): Promise<FirstLoadFigures> {
  const bundle = bundleSize();
  if (!bundle) {
    fail('first-load', 'client/dist/index.html not found — build the PWA first (npm run build)');
    return { bundle, entry: null, pages: [] };
  }
  const target = await startTarget('sqlite', { label: 'sqlite server (first load)' });
  const lh = await launchLighthouseBrowser();
  try {
    const entry = await entryWire(target.url);
    if (entry) console.log(`\n[first-load] entry ${entry.file}: ${fmtBytes(entry.identity)} identity, ${fmtBytes(entry.gzip)} ${entry.encodings.gzip ?? 'identity'}, ${fmtBytes(entry.br)} ${entry.encodings.br ?? 'identity'}`);

    const signIn: PageRuns = { label: 'sign-in page (fresh profile)', runs: [] };
    for (let i = 0; i < opts.runs; i++) signIn.runs.push(report(await lh.run(`${target.url}/`), signIn.label));

    const chat: PageRuns = { label: `open chat (${opts.messages} messages in IndexedDB, no service worker)`, runs: [] };
    const chatUrl = await seedOpenChat(lh, target.url, opts.messages);
    for (let i = 0; i < opts.runs; i++) {
      await lh.dropCaches(target.url);
      chat.runs.push(report(await lh.run(chatUrl, { keepStorage: true }), chat.label));
    }
    return { bundle, entry, pages: [signIn, chat] };
  } finally {
    await lh.close();
    await target.stop();
  }
}

function report(f: LighthouseFigures, label: string): LighthouseFigures {
  console.log(`  ${label}: performance ${f.performance}, FCP ${fmtMs(f.fcpMs)} ms, LCP ${fmtMs(f.lcpMs)} ms, TBT ${fmtMs(f.tbtMs)} ms, JS ${fmtBytes(f.scriptTransfer)}`);
  for (const w of f.warnings) console.log(`    lighthouse warning: ${w}`);
  return f;
}

/** A user with one conversation of `messages` messages, signed in through the form in the Lighthouse profile; the chat's URL (also tools/trace-open-chat.ts). */
export async function seedOpenChat(lh: Awaited<ReturnType<typeof launchLighthouseBrowser>>, url: string, messages: number): Promise<string> {
  const prefix = `fl${Date.now().toString(36)}_`;
  const [me, peer] = await registerUsers(url, 2, prefix);
  const fill = await sendBurst(url, [{ sender: peer!, to: me!.id, count: messages }], 4, `${prefix}f`);
  if (fill.acked !== messages) fail('first-load', `seeding: ${fill.acked}/${messages} acked`);
  const conversationId = me!.id < peer!.id ? `dm:${me!.id}:${peer!.id}` : `dm:${peer!.id}:${me!.id}`;
  await lh.withPage(async (page) => {
    await page.goto(url);
    await page.getByTestId('auth-username').fill(`${prefix}0`);
    await page.getByTestId('auth-password').fill('bench-password-1');
    await page.getByTestId('auth-submit').click();
    await page.getByTestId('me-name').waitFor();
    const started = Date.now();
    let stored = 0;
    while (Date.now() - started < 60_000 && (stored = await countLocalMessages(page)) < messages) await page.waitForTimeout(100);
    if (stored !== messages) fail('first-load', `the page's IndexedDB holds ${stored} of ${messages} messages after sign-in (lost or doubled)`);
  });
  return `${url}/#/c/${encodeURIComponent(conversationId)}`;
}

export function renderFirstLoad(f: FirstLoadFigures): string {
  const out = ['### 12. First load'];
  if (f.bundle) {
    out.push(
      `**Initial JS** (module scripts + modulepreloads of index.html, gzip -9): **${fmtBytes(f.bundle.initialGzip)}** gzip (${fmtBytes(f.bundle.initialBytes)} minified). ` +
        `All JS in client/dist: ${fmtBytes(f.bundle.allJsGzip)} gzip (the engine, the pages and the lazy views load after the entry).`,
    );
  }
  if (f.entry) {
    const e = f.entry;
    out.push(
      '',
      `**Entry script on the wire** (\`${e.file}\`, served by Pigeon from the precompressed files; baseline: the same file without \`Accept-Encoding\`):`,
      '',
      table(
        ['Accept-Encoding', 'Content-Encoding', 'bytes', 'vs identity'],
        [
          ['(none)', 'identity', fmtBytes(e.identity), '100 %'],
          ['gzip', e.encodings.gzip ?? 'identity', fmtBytes(e.gzip), fmtRatio(e.gzip / e.identity)],
          ['gzip, deflate, br, zstd', e.encodings.br ?? 'identity', fmtBytes(e.br), fmtRatio(e.br / e.identity)],
        ],
      ),
    );
  }
  if (f.pages.length) {
    out.push(
      '',
      `**Lighthouse 12.2.3, mobile** (default config: Moto G Power emulation, simulated slow 4G — 150 ms RTT, 1.6 Mbit/s — and 4× CPU slowdown; Debian /usr/bin/chromium headless via chrome-launcher). ` +
        `Sign-in page: a fresh profile. Open chat: signed in through the form first (playwright-core over CDP), then each run with IndexedDB kept and the service worker, Cache Storage and HTTP cache dropped. ` +
        `Median of ${f.pages[0]!.runs.length} runs (performance: median score; JS: script bytes transferred; unused JS: Lighthouse's unused-javascript estimate).`,
      '',
      table(
        ['page', 'performance', 'FCP', 'LCP', 'TBT', 'Speed Index', 'JS transferred', 'unused JS'],
        f.pages.map((p) => {
          const med = (k: keyof Omit<LighthouseFigures, 'warnings'>) => summarize(p.runs.map((r) => r[k])).p50;
          return [p.label, String(med('performance')), `${fmtMs(med('fcpMs'))} ms`, `${fmtMs(med('lcpMs'))} ms`, `${fmtMs(med('tbtMs'))} ms`, `${fmtMs(med('speedIndexMs'))} ms`, fmtBytes(med('scriptTransfer')), fmtBytes(med('unusedJs'))];
        }),
      ),
    );
  }
  const verdicts: Verdict[] = [
    ...(f.entry ? [precompressedVerdict(f.entry.encodings)] : []),
    ...lighthouseVerdicts(f.pages.map((p) => ({ label: p.label, performance: summarize(p.runs.map((r) => r.performance)).p50 }))),
  ];
  out.push(renderVerdicts(verdicts));
  return out.join('\n');
}
