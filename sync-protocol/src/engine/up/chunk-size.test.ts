import { describe, expect, it } from 'vitest';
import { ADAPTIVE_CHUNKS, chunkEnd, firstChunkBytes, fixedChunks, LINK_MEMORY_MS, nextChunkBytes } from './chunk-size.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('nextChunkBytes', () => {
  it('grows on a fast link to the maximum at the second request, at most ×32 a step', () => {
    // 256 KiB in 5 ms (loopback): the ideal is far above the maximum.
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 256 * KiB, 5)).toBe(8 * MiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 8 * MiB, 40)).toBe(8 * MiB);
    // From the minimum, one fast request can take it ×32, not to the maximum at once.
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 64 * KiB, 1)).toBe(2 * MiB);
    // 256 KiB in 100 ms (a 20 Mbit/s phone link, ~2.5 MiB/s): about a second's worth.
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 256 * KiB, 100)).toBe(2560 * KiB);
  });

  it('aims at about one second a request on a slow link (1 Mbit/s ≈ 122 KiB/s)', () => {
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 256 * KiB, 2_100)).toBe(128 * KiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 128 * KiB, 1_050)).toBe(128 * KiB);
  });

  it('shrinks at most to a quarter a step, and never below the minimum', () => {
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 8 * MiB, 60_000)).toBe(2 * MiB);
    expect(nextChunkBytes(ADAPTIVE_CHUNKS, 64 * KiB, 60_000)).toBe(64 * KiB);
  });

  it('the last chunk takes a short tail with it (adaptive), never more than a quarter over', () => {
    // 10 MiB: after 256 KiB, 9.75 MiB remain, within 8 MiB × 1.25: all at once, not 8 MiB and a 1.75 MiB tail.
    expect(chunkEnd(ADAPTIVE_CHUNKS, 256 * KiB, 8 * MiB, 10 * MiB)).toBe(10 * MiB);
    // 16 MiB: 8 MiB then the rest (7.75 MiB fits a chunk).
    expect(chunkEnd(ADAPTIVE_CHUNKS, 256 * KiB, 8 * MiB, 16 * MiB)).toBe(256 * KiB + 8 * MiB);
    expect(chunkEnd(ADAPTIVE_CHUNKS, 256 * KiB + 8 * MiB, 8 * MiB, 16 * MiB)).toBe(16 * MiB);
    // The first chunk of a 300 KiB photo: all of it (≤ 320 KiB).
    expect(chunkEnd(ADAPTIVE_CHUNKS, 0, 256 * KiB, 300 * KiB)).toBe(300 * KiB);
    expect(chunkEnd(ADAPTIVE_CHUNKS, 0, 256 * KiB, 400 * KiB)).toBe(256 * KiB);
  });

  it('a fixed plan cuts exactly', () => {
    expect(chunkEnd(fixedChunks(16 * KiB), 0, 16 * KiB, 17 * KiB)).toBe(16 * KiB);
  });

  it('a fixed plan never changes', () => {
    expect(nextChunkBytes(fixedChunks(16 * KiB), 16 * KiB, 1)).toBe(16 * KiB);
    expect(nextChunkBytes(fixedChunks(16 * KiB), 16 * KiB, 100_000)).toBe(16 * KiB);
  });
});

describe('firstChunkBytes', () => {
  it('a file after a recent upload starts at the size that one reached; an old or absent memory starts small', () => {
    expect(firstChunkBytes(ADAPTIVE_CHUNKS, null, 1_000)).toBe(256 * KiB);
    expect(firstChunkBytes(ADAPTIVE_CHUNKS, { bytes: 8 * MiB, at: 1_000 }, 2_000)).toBe(8 * MiB);
    expect(firstChunkBytes(ADAPTIVE_CHUNKS, { bytes: 128 * KiB, at: 1_000 }, 2_000)).toBe(128 * KiB);
    expect(firstChunkBytes(ADAPTIVE_CHUNKS, { bytes: 8 * MiB, at: 1_000 }, 1_000 + LINK_MEMORY_MS + 1)).toBe(256 * KiB);
    // A clock that went back: not trusted.
    expect(firstChunkBytes(ADAPTIVE_CHUNKS, { bytes: 8 * MiB, at: 5_000 }, 1_000)).toBe(256 * KiB);
  });

  it('a fixed plan ignores it', () => {
    expect(firstChunkBytes(fixedChunks(16 * KiB), { bytes: 8 * MiB, at: 1_000 }, 1_001)).toBe(16 * KiB);
  });
});
