import { describe, expect, it } from 'vitest';
import { catchUpVerdicts, clientVerdicts, lighthouseVerdicts, outboxVerdicts, precompressedVerdict, renderVerdicts } from './speed-targets.ts';

describe("issue #20's targets, judged on one run", () => {
  it('catch-up: both ratios to the raw paging of the same run, the time at full size, the longest task', () => {
    const v = catchUpVerdicts({ fakeIdb: { engineMs: 870, rawMs: 380 }, chromium: { messages: 20_000, ms: 1_600, longestTaskMs: 58 } });
    expect(v.map((x) => [x.met, x.measured])).toEqual([
      [true, '2.3 × (0.87 s / 0.38 s)'],
      [false, '4.2 × (1.60 s / 0.38 s)'],
      [false, '1.60 s'],
      [true, '58.0 ms'],
    ]);
  });

  it('catch-up: a run that did not finish, or a quick run, is not counted as met', () => {
    const failed = catchUpVerdicts({ fakeIdb: { engineMs: null, rawMs: 380 }, chromium: { messages: 20_000, ms: null, longestTaskMs: 0 } });
    expect(failed.map((x) => x.met)).toEqual([false, false, false, false]);
    expect(failed.map((x) => x.measured)).toEqual([null, null, null, null]);
    const quick = catchUpVerdicts({ fakeIdb: { engineMs: 100, rawMs: 50 }, chromium: { messages: 2_000, ms: 200, longestTaskMs: 0 } });
    expect(quick[2]).toMatchObject({ measured: null, met: false });
    expect(quick[3]).toMatchObject({ measured: 'none over 50 ms', met: true });
  });

  it('outbox: one chat against 1.5 ×, twenty against 2 ×; a failed row is not measured', () => {
    const v = outboxVerdicts([
      { conversations: 1, drainMs: 1_400, rawMs: 1_000, ok: true },
      { conversations: 20, drainMs: 2_100, rawMs: 1_000, ok: true },
    ]);
    expect(v.map((x) => x.met)).toEqual([true, false]);
    expect(outboxVerdicts([{ conversations: 1, drainMs: 1, rawMs: 1, ok: false }])[0]).toMatchObject({ measured: null, met: false });
  });

  it('client and Lighthouse: the limits are inclusive', () => {
    expect(clientVerdicts({ initialGzip: 90 * 1024, coldOpenMs: 200, openChatMs: 60.1 }).map((x) => x.met)).toEqual([true, true, false]);
    // The list drawn from IndexedDB (snapshot removed) is said beside the verdict, not judged.
    expect(clientVerdicts({ coldOpenMs: 134, coldOpenFromDatabaseMs: 231 })[1]).toMatchObject({ met: true, measured: '134 ms (with the list snapshot removed, from IndexedDB: 231 ms)' });
    expect(lighthouseVerdicts([{ label: 'sign-in', performance: 95 }, { label: 'open chat', performance: 94 }]).map((x) => x.met)).toEqual([true, false]);
  });

  it('compressed static files: both encodings answered as asked', () => {
    expect(precompressedVerdict({ br: 'br', gzip: 'gzip' }).met).toBe(true);
    expect(precompressedVerdict({ gzip: 'gzip' })).toMatchObject({ met: false, measured: 'br → identity, gzip → gzip' });
  });

  it('renders met, not met and not measured', () => {
    const text = renderVerdicts(clientVerdicts({ initialGzip: 70 * 1024, openChatMs: 61 }));
    expect(text).toContain('- ✔ met: initial JS ≤ 90 KiB gzip — measured 70.0 KiB');
    expect(text).toContain('- – not measured in this run: offline cold open');
    expect(text).toContain('- ✘ not met: opening a 1,000-message chat ≤ 60 ms (median) — measured 61.0 ms');
  });
});
