import { describe, expect, it } from 'vitest';
import { median, mibPerSec, RSS_FLOOR, rssVerdict, sampleRss, throughputVerdict } from './attachments-verdict.ts';

const MiB = 1024 * 1024;

describe('attachments figure: medians and throughput', () => {
  it('takes the median of odd and even counts, NaN for none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('computes MiB/s', () => {
    expect(mibPerSec(10 * MiB, 500)).toBe(20);
    expect(mibPerSec(MiB, 0)).toBeNaN();
  });
  it('meets the throughput target from 70 % of raw, not below, never on NaN', () => {
    expect(throughputVerdict(70, 100).met).toBe(true);
    expect(throughputVerdict(69.9, 100).met).toBe(false);
    expect(throughputVerdict(NaN, 100).met).toBe(false);
  });
});

describe('attachments figure: RSS must not grow with the file size', () => {
  const run = (growthMiB: number) => ({ before: 100 * MiB, peak: (100 + growthMiB) * MiB, after: 100 * MiB });
  it('fails a server that holds whole files (growth 4 × between 4 and 16 MiB files)', () => {
    expect(rssVerdict(run(80), run(320))).toEqual({ ratio: 4, met: false, by: null });
  });
  it('passes a flat growth by the ratio', () => {
    expect(rssVerdict(run(40), run(50))).toMatchObject({ met: true, by: 'ratio' });
  });
  it('passes a small growth by the floor even when the small run grew by almost nothing', () => {
    expect(rssVerdict(run(1), run(20))).toMatchObject({ met: true, by: 'floor' });
    expect(rssVerdict(run(1), run(RSS_FLOOR / MiB + 1)).met).toBe(false);
  });
  it('samples a peak between reads', async () => {
    const values = [10, 50, 20, 20, 20, 20, 20, 20];
    let i = 0;
    const s = sampleRss(() => values[Math.min(i++, values.length - 1)]!, 5);
    await new Promise((r) => setTimeout(r, 40));
    expect(s.stop().peak).toBe(50);
  });
});
