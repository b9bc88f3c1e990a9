/**
 * The only source of randomness in the chaos harness. Every decision (which op,
 * which device, when a proxy cuts a connection) comes from a stream derived from
 * the run's seed, so a seed names a run.
 *
 * mulberry32: 32 bits of state, fast, good enough for test scheduling (it is not
 * a cryptographic generator and does not need to be).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; weights need not sum to 1. */
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T;
  /**
   * An independent stream named by `label`. Derived streams let one part of the
   * harness (a proxy connection, say) draw numbers without shifting the numbers
   * every other part sees — so the op plan stays the same whatever the network does.
   */
  derive(label: string): Rng;
  readonly seed: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the label, mixed with the parent seed: a stable 32-bit child seed. */
function childSeed(parent: number, label: string): number {
  let h = (0x811c9dc5 ^ parent) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // One extra avalanche round so labels differing in the last character diverge fully.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const rng: Rng = {
    seed: seed >>> 0,
    next,
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    chance(p) {
      return next() < p;
    },
    pick(items) {
      if (items.length === 0) throw new Error('rng.pick: empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted(weights) {
      const entries = Object.entries(weights) as [keyof typeof weights, number][];
      const total = entries.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [k, w] of entries) {
        r -= w;
        if (r < 0) return k;
      }
      return entries[entries.length - 1]![0];
    },
    derive(label) {
      return createRng(childSeed(seed, label));
    },
  };
  return rng;
}
