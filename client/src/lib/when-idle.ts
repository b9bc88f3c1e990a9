/** Runs `fn` when the page is idle (at most 2 s from now), or in 200 ms where the browser has no idle callbacks. */
export function whenIdle(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 2000 });
  else setTimeout(fn, 200);
}
