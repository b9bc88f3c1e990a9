import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstTaskAfter } from './marks.ts';

/** A browser with scheduler.postTask: each posted task's options, in order. */
function stubPostTask(): Array<{ priority: string }> {
  const posted: Array<{ priority: string }> = [];
  vi.stubGlobal('scheduler', {
    postTask: (callback: () => void, options: { priority: string }) => {
      posted.push(options);
      return Promise.resolve().then(callback);
    },
  });
  return posted;
}

describe('firstTaskAfter', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('posts a user-blocking task where the browser has scheduler.postTask: ahead of the tasks already queued', async () => {
    const posted = stubPostTask();
    const ran = vi.fn();
    firstTaskAfter(ran);
    expect(ran).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(ran).toHaveBeenCalledTimes(1));
    expect(posted).toEqual([{ priority: 'user-blocking' }]);
  });

  it('posts work the frame did not wait for behind the user-blocking tasks (user-visible)', async () => {
    const posted = stubPostTask();
    const ran = vi.fn();
    firstTaskAfter(ran, 'user-visible');
    await vi.waitFor(() => expect(ran).toHaveBeenCalledTimes(1));
    expect(posted).toEqual([{ priority: 'user-visible' }]);
  });

  it('elsewhere, a MessageChannel message: a task, not a microtask', async () => {
    vi.stubGlobal('scheduler', undefined);
    const order: string[] = [];
    firstTaskAfter(() => order.push('task'));
    await Promise.resolve();
    order.push('microtask');
    await vi.waitFor(() => expect(order).toEqual(['microtask', 'task']));
  });
});
