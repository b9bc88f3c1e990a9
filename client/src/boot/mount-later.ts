import { nextTask } from './next-task.ts';

/**
 * Runs `mount` once `ready` has settled (fulfilled or not: the app mounts in English if its
 * language failed to load), in a task after the one that evaluated the entry.
 *
 * Why: the entry's evaluation, the chunk requests startEarly() makes and Vue's first render of the
 * shell were one long task (~80 ms unthrottled in Lighthouse's open-chat trace, ~330 ms at its 4x
 * CPU: total blocking time, #20). The splash is in index.html and stays until the mount, so the
 * page shows the same while it waits.
 */
export async function mountLater(ready: Promise<unknown>, mount: () => void): Promise<void> {
  await ready.catch(() => {});
  await nextTask();
  mount();
}
