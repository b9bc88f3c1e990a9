/** Files for the attachment scenarios (and tests/engine/attachments.test.ts). */

/** `n` bytes of a repeating pattern seeded by `seed`, typed `type`: distinct seeds, distinct sha256. */
export function bytes(n: number, seed = 1, type = 'image/png'): Blob {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 31 + seed * 17 + (i >> 8) * seed) & 0xff;
  return new Blob([a], { type });
}
