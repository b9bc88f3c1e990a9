import { describe, expect, it } from 'vitest';
import { ADAPTIVE_CHUNKS, fixedChunks, nextChunkBytes } from './chunk-size.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('nextChunkBytes', () => {
  it('grows on a fast link, at most ×4 a step, up to the maximum', () => {
    // 256 KiB in 5 ms (loopback): the ideal is far above; ×4 per step.
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 256 * KiB, 5)).toBe(1 * MiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 1 * MiB, 10)).toBe(4 * MiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 4 * MiB, 20)).toBe(8 * MiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 8 * MiB, 40)).toBe(8 * MiB);
  });

  it('aims at about one second a request on a slow link (1 Mbit/s ≈ 122 KiB/s)', () => {
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 256 * KiB, 2_100)).toBe(128 * KiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 128 * KiB, 1_050)).toBe(128 * KiB);
  });

  it('shrinks at most to a quarter a step, and never below the minimum', () => {
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 8 * MiB, 60_000)).toBe(2 * MiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 64 * KiB, 60_000)).toBe(64 * KiB);
  });

  it('a fixed plan never changes', () => {
    expect(nextChunkBytes(fixedChunks(16 * KiB), 16 * KiB, 1)).toBe(16 * KiB);
    expect(nextChunkBytes(fixedChunks(16 * KiB), 16 * KiB, 100_000)).toBe(16 * KiB);
  });
});
