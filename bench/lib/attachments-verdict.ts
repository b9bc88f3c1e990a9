/**
 * Pure parts of the attachments figure (issue #17): medians, throughput, and the two targets.
 *
 *  - Throughput: Pigeon's upload (and download) of a 10 MiB file ≥ 70 % of a raw `fetch` of the same
 *    bytes to a bare Node HTTP server streaming them to (from) a file, medians of the same run.
 *  - Memory: the server's RSS growth during 20 parallel uploads must not grow with the file size.
 *    Judged on 20 × 16 MiB against 20 × 4 MiB in the same run: met when the 16 MiB peak growth is
 *    below 2 × the 4 MiB one (a server holding whole files grows 4 × between them: ≥ 320 MiB against
 *    ≥ 80 MiB), or below RSS_FLOOR (32 MiB, a tenth of the 320 MiB a buffering server would need:
 *    1.6 MiB per upload in flight, far more than a few 64 KiB stream buffers) — the floor keeps a
 *    streaming server whose small run happened to grow by almost nothing (no GC yet) from failing on
 *    the noise of a ratio of two small numbers.
 */
export const THROUGHPUT_TARGET = 0.7;
export const RSS_RATIO_TARGET = 2;
export const RSS_FLOOR = 32 * 1024 * 1024;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** MiB/s of `bytes` moved in `ms`. */
export const mibPerSec = (bytes: number, ms: number): number => (ms > 0 ? bytes / 1024 / 1024 / (ms / 1000) : NaN);

export function throughputVerdict(pigeon: number, raw: number): { ratio: number; met: boolean } {
  const ratio = pigeon / raw;
  return { ratio, met: Number.isFinite(ratio) && ratio >= THROUGHPUT_TARGET };
}

export interface RssRun {
  before: number;
  peak: number;
  after: number;
}

export const growth = (r: RssRun): number => Math.max(0, r.peak - r.before);

/** `small`: 20 × 4 MiB, `large`: 20 × 16 MiB, same server, same run. */
export function rssVerdict(small: RssRun, large: RssRun): { ratio: number; met: boolean; by: 'ratio' | 'floor' | null } {
  const g4 = growth(small);
  const g16 = growth(large);
  const ratio = g4 > 0 ? g16 / g4 : g16 > 0 ? Infinity : 1;
  if (g16 < RSS_RATIO_TARGET * g4) return { ratio, met: true, by: 'ratio' };
  if (g16 < RSS_FLOOR) return { ratio, met: true, by: 'floor' };
  return { ratio, met: false, by: null };
}

/** Samples RSS every `everyMs` through `read` until stopped; the peak includes the first and last reads. */
export function sampleRss(read: () => number, everyMs = 50): { stop(): { peak: number; samples: number } } {
  let peak = read();
  let samples = 1;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, read());
      samples++;
    } catch {
      /* the process is gone: the figure fails elsewhere */
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, read());
        samples++;
      } catch {
        /* gone */
      }
      return { peak, samples };
    },
  };
}
