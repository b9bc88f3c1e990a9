/**
 * Resolves in a later task of the event loop, not in a microtask: code after `await nextTask()`
 * runs in a task of its own, so the browser can paint and handle input in between.
 *
 * Why: a long task blocks the page (Lighthouse's total blocking time counts each task's part over
 * 50 ms). scheduler.yield() where the browser has it (its continuation runs before other queued
 * tasks); elsewhere a MessageChannel message, which, unlike setTimeout, is neither clamped nor
 * throttled in a background tab.
 */
interface YieldingScheduler {
  yield(): Promise<void>;
}

export function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<YieldingScheduler> }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
