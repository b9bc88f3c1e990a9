/**
 * The order of search results (model/search.ts): newest first — createdAt descending, then id
 * descending. Ids compare shorter-first before by character, so counter ids (`m9` < `m10`, the
 * memory server's) order as numbers while fixed-length ids (the real servers') order as strings.
 * A row not acked yet (id null) sorts as the newest of its instant.
 */
export function newestFirst(a: { createdAt: string; id: string | null }, b: { createdAt: string; id: string | null }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return compareIds(b.id, a.id);
}

function compareIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}
