/**
 * How many bytes the next upload request carries. A fixed size is wrong at one end or the other:
 * 1 MiB is eight seconds without progress on a 1 Mbit/s phone link, and ten requests (each with
 * its auth, its fsync on the server, its round trip) for 10 MiB on a fast one. So the size follows
 * the link: each request aims at about `targetMs`, judged on how long the previous one took,
 * moving at most ×4 up or ×¼ down per step (one slow request does not collapse it), within
 * [min, max], in whole 64 KiB units. Pure: uploads.ts measures and feeds it.
 */
export interface ChunkPlan {
  /** The first request's size. */
  first: number;
  min: number;
  max: number;
  /** Wanted duration of one request (ms). */
  targetMs: number;
}

/** The default: start small (a phone), reach 8 MiB within two requests on a fast link. */
export const ADAPTIVE_CHUNKS: ChunkPlan = { first: 256 * 1024, min: 64 * 1024, max: 8 * 1024 * 1024, targetMs: 1_000 };

/** A fixed size (the `uploadChunkBytes` option: tests, embedders that want it). */
export const fixedChunks = (bytes: number): ChunkPlan => ({ first: bytes, min: bytes, max: bytes, targetMs: 1_000 });

const UNIT = 64 * 1024;

export function nextChunkBytes(plan: ChunkPlan, previous: number, elapsedMs: number): number {
  if (plan.min === plan.max) return plan.min;
  const ideal = (previous / Math.max(elapsedMs, 1)) * plan.targetMs;
  const bounded = Math.min(Math.max(ideal, previous / 4), previous * 4);
  const rounded = Math.max(UNIT, Math.round(bounded / UNIT) * UNIT);
  return Math.min(Math.max(rounded, plan.min), plan.max);
}
