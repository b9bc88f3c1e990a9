/**
 * How many bytes the next upload request carries. A fixed size is wrong at one end or the other:
 * 1 MiB is eight seconds without progress on a 1 Mbit/s phone link, and ten requests (each with
 * its auth, its fsync on the server, its round trip) for 10 MiB on a fast one. So the size follows
 * the link: each request aims at about `targetMs`, judged on how long the previous one took,
 * within [min, max], in whole 64 KiB units. It may grow ×32 a step, so a fast link reaches the
 * maximum after the first request: a small request's time is mostly its round trip and fsync, so
 * it understates the link, never overstates it. It shrinks at most ×¼ a step (one slow request
 * does not collapse it). Pure: uploads.ts measures and feeds it.
 */
export interface ChunkPlan {
  /** The first request's size. */
  first: number;
  min: number;
  max: number;
  /** Wanted duration of one request (ms). */
  targetMs: number;
}

/** The default: start small (a phone), reach 8 MiB at the second request on a fast link. */
export const ADAPTIVE_CHUNKS: ChunkPlan = { first: 256 * 1024, min: 64 * 1024, max: 8 * 1024 * 1024, targetMs: 1_000 };

/** A fixed size (the `uploadChunkBytes` option: tests, embedders that want it). */
export const fixedChunks = (bytes: number): ChunkPlan => ({ first: bytes, min: bytes, max: bytes, targetMs: 1_000 });

const UNIT = 64 * 1024;
const MAX_GROWTH = 32;
const MAX_SHRINK = 4;
/** The last chunk may be this much larger than planned rather than leave a short tail for one more request. */
const TAIL_SLACK = 1.25;

export function nextChunkBytes(plan: ChunkPlan, previous: number, elapsedMs: number): number {
  if (plan.min === plan.max) return plan.min;
  const ideal = (previous / Math.max(elapsedMs, 1)) * plan.targetMs;
  const bounded = Math.min(Math.max(ideal, previous / MAX_SHRINK), previous * MAX_GROWTH);
  const rounded = Math.max(UNIT, Math.round(bounded / UNIT) * UNIT);
  return Math.min(Math.max(rounded, plan.min), plan.max);
}

/**
 * Where the chunk of `chunkBytes` from `offset` ends (exclusive) in a file of `size` bytes. An
 * adaptive plan takes the rest at once when it is at most a quarter more than the chunk: a short
 * tail would cost a request (auth, fsync, round trip) for little. A fixed plan cuts exactly.
 */
export function chunkEnd(plan: ChunkPlan, offset: number, chunkBytes: number, size: number): number {
  const rest = size - offset;
  if (plan.min !== plan.max && rest <= chunkBytes * TAIL_SLACK) return size;
  return Math.min(offset + chunkBytes, size);
}

/**
 * What this engine's uploads learned of the link: the size the last one planned next, and when.
 * The next file starts at that size rather than at `first` again while it is recent (a photo after
 * a photo: one request each, not a probe and the rest), and at `first` once it is older than
 * LINK_MEMORY_MS: a phone changes networks, and 8 MiB on a 1 Mbit/s link is a minute without progress.
 */
export interface LinkMemory {
  bytes: number;
  at: number;
}

export const LINK_MEMORY_MS = 60_000;

/** The first request's size of an upload starting at `now`. */
export function firstChunkBytes(plan: ChunkPlan, memory: LinkMemory | null, now: number): number {
  if (plan.min === plan.max || memory === null || now - memory.at > LINK_MEMORY_MS || now < memory.at) return plan.first;
  return Math.min(Math.max(memory.bytes, plan.min), plan.max);
}
