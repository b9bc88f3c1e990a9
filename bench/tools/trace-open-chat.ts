/**
 * A Chromium trace (with JS samples) of Lighthouse's open-chat load, for finding its long tasks:
 * the same server, profile set-up and cache drop as figure 12, then the chat's URL loaded on
 * Lighthouse's phone screen at a 4× CPU slowdown through CDP (Lighthouse itself only simulates the
 * slowdown and records no JS samples). Prints each run's tasks of 50 ms or more and what ran in them.
 *
 *   node --import tsx bench/tools/trace-open-chat.ts <out-dir> [runs=3] [messages=200]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedOpenChat } from '../figures/first-load.ts';
import { launchLighthouseBrowser } from '../lib/lighthouse.ts';
import { startTarget } from '../lib/targets.ts';
import { longTasks } from '../lib/trace-tasks.ts';

const [out = '/tmp/trace-open-chat', runsArg = '3', messagesArg = '200'] = process.argv.slice(2);
const runs = Number(runsArg);
const messages = Number(messagesArg);
mkdirSync(out, { recursive: true });

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'blink.user_timing', 'loading'];

const target = await startTarget('sqlite', { label: 'sqlite (trace)' });
const lh = await launchLighthouseBrowser();
try {
  const url = await seedOpenChat(lh, target.url, messages);
  for (let i = 0; i < runs; i++) {
    await lh.dropCaches(target.url);
    await lh.withPage(async (page) => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      // Lighthouse's mobile screen (Moto G Power): a phone opening a chat's link draws no list.
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 412, height: 823, deviceScaleFactor: 1.75, mobile: true });
      const events: unknown[] = [];
      cdp.on('Tracing.dataCollected', (e: { value: unknown[] }) => events.push(...e.value));
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES }, transferMode: 'ReportEvents' });
      await page.goto(url);
      await page.waitForTimeout(10_000);
      await cdp.send('Tracing.end');
      await done;
      const file = join(out, `open-chat-${i}.trace.json`);
      writeFileSync(file, JSON.stringify({ traceEvents: events }));
      console.log(`\n${file}`);
      const tasks = longTasks(events as Parameters<typeof longTasks>[0], '#/c/');
      // Total blocking time's rule (each task's part over 50 ms), over the whole load, not from FCP to TTI as Lighthouse counts it.
      console.log(`blocking ${tasks.reduce((sum, t) => sum + t.durMs - 50, 0).toFixed(0)} ms in ${tasks.length} long tasks`);
      for (const task of tasks) {
        console.log(`${task.atMs.toFixed(0).padStart(6)} ms +${task.durMs.toFixed(0).padStart(4)} ms  ${task.self.map(([f, ms]) => `${f} ${ms.toFixed(0)}`).join(' | ')}`);
      }
    });
  }
} finally {
  await lh.close();
  await target.stop();
}
