/**
 * A promise and the function that resolves it, for tests that hold a task until they release it.
 * (Node 20 has no `Promise.withResolvers`.)
 */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
